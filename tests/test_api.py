"""The public API: every exported name exists, is documented, and the list is exactly what is exported."""

import inspect

import sda.api


def test_every_exported_name_is_importable_and_documented():
    assert sorted(sda.api.__all__) == sda.api.__all__, "keep __all__ sorted"
    for name in sda.api.__all__:
        obj = getattr(sda.api, name)
        assert inspect.getdoc(obj), f"{name} has no docstring"


def test_nothing_public_is_left_out_of_all():
    public = {n for n, v in vars(sda.api).items()
              if not n.startswith("_") and not inspect.ismodule(v) and n != "annotations"}
    assert public == set(sda.api.__all__)

