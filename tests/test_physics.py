import math

import pytest

from scalinglab.models import physics


def test_landauer_at_300k():
    assert physics.landauer_j_per_bit(300.0) == pytest.approx(2.871e-21, rel=1e-3)
    # k_B T ln 2 by hand with the exact SI Boltzmann constant
    assert physics.landauer_j_per_bit(300.0) == pytest.approx(1.380649e-23 * 300 * math.log(2), rel=1e-12)


def test_thermal_limits():
    assert physics.thermal_voltage_v(300.0) == pytest.approx(0.025852, rel=1e-4)
    assert physics.subthreshold_swing_limit_mv_per_decade(300.0) == pytest.approx(59.53, abs=0.01)
    assert physics.subthreshold_swing_limit_mv_per_decade(77.0) == pytest.approx(59.53 * 77 / 300, rel=1e-3)


@pytest.mark.parametrize("t", [0, -1, float("nan"), float("inf")])
def test_bad_temperature(t):
    with pytest.raises(ValueError, match="temperature_k"):
        physics.landauer_j_per_bit(t)


def test_energy_helpers():
    # H100: 700 W at 989.4 dense BF16 TFLOP/s -> 7.07e-13 J per FLOP
    assert physics.joules_per_flop(700, 989.4) == pytest.approx(7.075e-13, rel=1e-3)
    assert physics.orders_of_magnitude(2.871e-12, 2.871e-21) == pytest.approx(9.0)
    with pytest.raises(ValueError):
        physics.orders_of_magnitude(0, 1)
