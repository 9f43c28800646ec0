"""Outputs are written whole or not at all."""

import pandas as pd
import pytest

from linregions.atomic import atomic_path, write_csv


def test_failed_writer_leaves_nothing(tmp_path):
    # A writer that dies half-way leaves neither the target nor its temporary file.
    target = tmp_path / "t.csv"
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            open(tmp, "w").write("half")
            raise RuntimeError("killed")
    assert list(tmp_path.iterdir()) == []


def test_complete_write_lands_under_the_target_name(tmp_path):
    target = tmp_path / "sub" / "t.csv"
    write_csv(pd.DataFrame({"a": [1, 2]}), target)
    assert pd.read_csv(target).a.tolist() == [1, 2]
    assert [p.name for p in target.parent.iterdir()] == ["t.csv"]
