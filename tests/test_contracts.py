"""Every registered component, built-in or third-party, against its kind's contract."""

from __future__ import annotations

import pytest
import torch

from sbkit.testing import check_component, registered_components


@pytest.mark.parametrize(("kind", "name"), registered_components())
def test_component_contract(kind: str, name: str, tmp_path) -> None:
    torch.manual_seed(0)
    check_component(kind, name, tmp_path)
