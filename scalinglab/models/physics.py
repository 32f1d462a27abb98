"""Physical limits of computation, with exact SI constants.

* Landauer (1961), IBM J. Res. Dev. 5(3):183, doi:10.1147/rd.53.0183: erasing
  one bit dissipates at least k_B T ln 2.
* Thermal voltage k_B T / q, and the MOSFET subthreshold-swing limit
  (k_B T / q) ln 10 per decade of drain current (Sze & Ng, *Physics of
  Semiconductor Devices*, 3rd ed., sec. 6.2.4): about 59.5 mV/decade at 300 K.
  Because the threshold voltage cannot shrink without exponential leakage,
  supply voltage stopped scaling and Dennard scaling ended (~2005).

k_B = 1.380649e-23 J/K and q = 1.602176634e-19 C are exact since the 2019 SI
redefinition (taken from ``scipy.constants``).
"""

from __future__ import annotations

import math

from scipy import constants

K_B_J_PER_K: float = constants.k
Q_C: float = constants.e


def _check_temperature(temperature_k: float) -> None:
    if not (isinstance(temperature_k, (int, float)) and math.isfinite(temperature_k) and temperature_k > 0):
        raise ValueError(f"temperature_k must be a positive finite number of kelvin, got {temperature_k!r}")


def landauer_j_per_bit(temperature_k: float = 300.0) -> float:
    """Minimum energy to erase one bit, k_B T ln 2, in joules (2.871e-21 J at 300 K).

    Raises ``ValueError`` for a non-positive or non-finite temperature.
    """
    _check_temperature(temperature_k)
    return K_B_J_PER_K * temperature_k * math.log(2.0)


def thermal_voltage_v(temperature_k: float = 300.0) -> float:
    """k_B T / q in volts (25.85 mV at 300 K)."""
    _check_temperature(temperature_k)
    return K_B_J_PER_K * temperature_k / Q_C


def subthreshold_swing_limit_mv_per_decade(temperature_k: float = 300.0) -> float:
    """(k_B T / q) ln 10 in mV per decade of current (59.5 mV/decade at 300 K)."""
    return thermal_voltage_v(temperature_k) * math.log(10.0) * 1e3


def orders_of_magnitude(actual: float, limit: float) -> float:
    """log10(actual / limit): how many factors of ten separate a value from a bound.

    Raises ``ValueError`` if either value is not positive.
    """
    if actual <= 0 or limit <= 0:
        raise ValueError(f"both values must be positive, got {actual!r} and {limit!r}")
    return math.log10(actual / limit)


def joules_per_flop(tdp_w: float, peak_tflops: float) -> float:
    """Energy per operation at peak, TDP / (peak FLOP/s), in J/FLOP.

    ``tdp_w`` in watts, ``peak_tflops`` in 10^12 FLOP/s (dense). An upper bound on
    what the arithmetic itself costs: the board power also feeds memory and I/O.
    """
    if tdp_w <= 0 or peak_tflops <= 0:
        raise ValueError(f"tdp_w and peak_tflops must be positive, got {tdp_w!r}, {peak_tflops!r}")
    return tdp_w / (peak_tflops * 1e12)
