"""Grid expansion: comma lists of names and parameters, upstream-first order, slugs and clear errors."""

from __future__ import annotations

import pytest

from sbkit.bench.grid import check_params, expand_grid, make_axes, parse_axes, split_list
from sbkit.config import RunConfig
from sbkit.errors import ConfigError

SMALL = RunConfig().updated({"encoder": "small"})  # slugs and timings below assume the small encoder


def test_split_list_trims_and_drops_duplicates():
    assert split_list(" canny, xdog,,canny ", "sketchifier") == ("canny", "xdog")
    with pytest.raises(ConfigError, match="at least one value"):
        split_list(" , ", "fuser")


def test_names_and_params_expand_to_the_cartesian_product_sketchifier_outermost():
    axes = parse_axes({"fuser": "avg,concat,combiner", "sketchifier": "canny,xdog", "encoder": None},
                      ["--sketchifier.sigma", "1.0,1.5"])
    assert [a.key for a in axes] == ["sketchifier", "sketchifier.sigma", "fuser"]
    combos = expand_grid(SMALL, axes)
    assert len(combos) == 2 * 2 * 3
    points = [(c.config.sketchifier.name, c.config.sketchifier.params["sigma"], c.config.fuser.name)
              for c in combos]
    assert len(set(points)) == len(points)
    # combinations sharing a sketchifier (and its params) run one after another
    assert points[:3] == [("canny", "1.0", "avg"), ("canny", "1.0", "concat"), ("canny", "1.0", "combiner")]
    assert [p[0] for p in points] == ["canny"] * 6 + ["xdog"] * 6
    assert combos[0].slug == "canny.sigma-1.0__small__avg"
    assert combos[0].values == {"sketchifier": "canny", "sketchifier.sigma": "1.0", "fuser": "avg"}
    # untouched settings come from the base config
    assert all(c.config.encoder.name == "small" and c.config.epochs == SMALL.epochs for c in combos)


def test_slugs_are_unique_folder_names_and_name_every_varying_kind():
    base = SMALL.updated({"epochs": 1})
    combos = expand_grid(base, make_axes({"data": ["demo", "my data/shop,2"], "fuser": "avg", "loss": "infonce"}))
    slugs = [c.slug for c in combos]
    assert len(set(slugs)) == 2
    assert all("/" not in s and " " not in s for s in slugs)
    assert slugs[0] == f"demo__{SMALL.sketchifier.name}__small__avg"
    assert all(c.config.epochs == 1 for c in combos)


def test_base_params_stay_with_the_same_name_and_go_with_another():
    base = SMALL.updated({"sketchifier": {"name": "canny-clahe", "sigma": 2.0}})
    combos = expand_grid(base, make_axes({"sketchifier": "canny-clahe,canny"}))
    assert combos[0].config.sketchifier.params == {"sigma": 2.0}
    assert combos[1].config.sketchifier.params == {}
    assert base.sketchifier.params == {"sigma": 2.0}  # the base config is not changed


def test_an_unknown_option_name_is_a_clear_error():
    with pytest.raises(ConfigError, match=r"unknown option '--sketchfier.sigma'.*did you mean --sketchifier"):
        parse_axes({}, ["--sketchfier.sigma", "1,2"])
    with pytest.raises(ConfigError, match=r"unknown option --fusr.*did you mean --fuser"):
        make_axes({"fusr": "avg"})


def test_a_parameter_no_named_component_takes_is_an_error_before_any_run():
    axes = make_axes({"sketchifier": "canny,xdog", "sketchifier.sigmaa": "1,2"})
    with pytest.raises(ConfigError, match=r"--sketchifier.sigmaa.*did you mean --sketchifier.sigma"):
        check_params(axes, SMALL)
    check_params(make_axes({"sketchifier": "canny", "sketchifier.sigma": "1,2"}), SMALL)
    # an unknown component name is left to fail, and be recorded, in its own combination
    check_params(make_axes({"fuser": "avg,nope"}), SMALL)
