"""Contract checks for sbkit components, for sbkit's own tests and for plugin authors.

In a plugin package's tests::

    from sbkit.testing import check_component

    def test_pencil_honours_the_contract(tmp_path):
        check_component("sketchifier", "pencil", tmp_path)
"""

from sbkit.testing.contracts import check_component, registered_components

__all__ = ["check_component", "registered_components"]
