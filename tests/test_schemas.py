"""Chapter parameter schemas: validation errors name the parameter, the value and what is allowed."""

import papermill as pm
import pytest

from scalinglab import paths
from scalinglab.book import schemas
from scalinglab.errors import ParameterError


def test_defaults_validate():
    p = schemas.validate("moores_law_limits", {})
    assert p.metric == "single_thread_performance" and p.break_year is None


@pytest.mark.parametrize(
    "values,name,fragment",
    [
        ({"fit_start_year": 2030}, "fit_start_year", "data run from"),
        ({"fit_start_year": 2010, "fit_end_year": 2000}, "fit_start_year", "before fit_end_year"),
        ({"temperature_k": 0}, "temperature_k", "greater than 0"),
        ({"temperature_k": -5.0}, "temperature_k", "greater than 0"),
        ({"metric": "mips"}, "metric", "transistors, single_thread_performance"),
        ({"break_year": 1950}, "break_year", "inside the fit window"),
        ({"confidence_level": "high"}, "confidence_level", "valid number"),
        ({"fit_start_yr": 1990}, "fit_start_yr", "did you mean 'fit_start_year'"),
    ],
)
def test_bad_values_name_the_parameter(values, name, fragment):
    with pytest.raises(ParameterError) as exc:
        schemas.validate("moores_law_limits", values)
    assert exc.value.name == name
    assert f"'{name}'" in str(exc.value) and fragment in str(exc.value)
    assert repr(list(values.values())[0]) in str(exc.value)


def test_unknown_chapter_suggests():
    with pytest.raises(ParameterError, match="did you mean 'moores_law_limits'"):
        schemas.get_schema("moores_law_limit")


def test_namespace_validation_catches_unknown_injected_names():
    ns = {"metric": "frequency", "fit_start_yr": 1990, "In": [], "_": None}
    with pytest.raises(ParameterError, match="fit_start_yr.*did you mean 'fit_start_year'"):
        schemas.validate_namespace("moores_law_limits", ns)


@pytest.mark.parametrize("chapter", sorted(set(schemas.chapters()) & set(paths.chapters())))
def test_schema_agrees_with_the_notebook_parameters_cell(chapter):
    """Same names, same order and same defaults in the schema and the notebook's parameters cell."""
    declared = pm.inspect_notebook(str(paths.chapter_notebook(chapter)))
    cls = schemas.get_schema(chapter)
    assert list(declared) == list(cls.model_fields)
    for name, info in declared.items():
        default = eval(info["default"], {})  # literals only
        assert default == cls.model_fields[name].default, name
        assert info["help"], f"{chapter}.{name} has no # help comment"
    schemas.validate(chapter, {n: eval(i["default"], {}) for n, i in declared.items()})


@pytest.mark.parametrize(
    "chapter,values,name,fragment",
    [
        ("interconnect_scaling", {"mfu": True}, "mfu", "not a boolean"),
        ("interconnect_scaling", {"scaleup_domain_size": True}, "scaleup_domain_size", "not a boolean"),
        ("interconnect_scaling", {"mfu": float("nan")}, "mfu", "finite"),
        ("moores_law_limits", {"temperature_k": float("inf")}, "temperature_k", "finite"),
        ("moores_law_limits", {"break_year": 1975}, "break_year", "two-segment fit"),
        ("precision_codesign", {"formats": ["nvfp4"], "gpu": "H100"}, "formats", "dense figure on the H100"),
    ],
)
def test_values_that_used_to_fail_mid_notebook(chapter, values, name, fragment):
    with pytest.raises(ParameterError) as exc:
        schemas.validate(chapter, values)
    assert exc.value.name == name and fragment in str(exc.value)
