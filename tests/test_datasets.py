import numpy as np
import pytest

from sparseid import datasets
from sparseid.systems import make_lorenz


def test_available_and_unknown_name():
    assert datasets.available() == ["lorenz", "rotating_linear"]
    with pytest.raises(
        ValueError, match=r"unknown data set 'duffing'.*\['lorenz', 'rotating_linear'\]"
    ):
        datasets.load("duffing")


def test_lorenz_file_shape_and_columns():
    df = datasets.load("lorenz")
    assert df.shape == (10_000, 3)
    assert list(df.columns) == ["x", "y", "z"] and df.index.name == "t"
    np.testing.assert_allclose(np.diff(df.index.to_numpy()), 0.002, rtol=1e-9)
    np.testing.assert_array_equal(df.iloc[0].to_numpy(), [-8.0, 8.0, 27.0])


def test_rotating_linear_regenerates_to_1e_12():
    shipped = datasets.load("rotating_linear")
    fresh = datasets.generate("rotating_linear")
    assert list(shipped.columns) == ["x", "y"]
    np.testing.assert_allclose(shipped.index.to_numpy(), fresh.index.to_numpy(), rtol=0, atol=1e-12)
    np.testing.assert_allclose(shipped.to_numpy(), fresh.to_numpy(), rtol=0, atol=1e-12)


def test_lorenz_first_second_regenerates_to_1e_8():
    shipped = datasets.load("lorenz").iloc[:501]
    fresh = make_lorenz(501, dt=0.002, x0=(-8.0, 8.0, 27.0))
    np.testing.assert_allclose(shipped.to_numpy(), fresh.to_numpy(), rtol=0, atol=1e-8)


def test_write_refuses_to_overwrite(tmp_path):
    (tmp_path / "rotating_linear.csv").write_text("keep me")
    with pytest.raises(FileExistsError, match="overwrite=True"):
        datasets.write(tmp_path, ["rotating_linear"])
    assert (tmp_path / "rotating_linear.csv").read_text() == "keep me"
    datasets.write(tmp_path, ["rotating_linear"], overwrite=True)
    text = (tmp_path / "rotating_linear.csv").read_text()
    assert text.startswith("t,x,y")


def test_written_values_read_back_exactly(tmp_path):
    (path,) = datasets.write(tmp_path, ["rotating_linear"])
    with open(path) as handle:
        back = datasets.read_csv(handle)
    assert back.equals(datasets.generate("rotating_linear"))


def _no_installed_package(name):
    raise ModuleNotFoundError(f"No module named {name!r}")


def test_source_checkout_finds_its_datasets_folder(monkeypatch):
    # Python run from a clone's root imports the source tree, where `sparseid._datasets` does not
    # exist (issue 20): the loader must fall back to the checkout's datasets/ folder.
    monkeypatch.setattr(datasets.resources, "files", _no_installed_package)
    df = datasets.load("rotating_linear")
    assert df.shape == (2000, 2)
    assert df.equals(datasets.generate("rotating_linear"))


def test_missing_data_files_name_where_the_loader_looked(monkeypatch, tmp_path):
    monkeypatch.setattr(datasets.resources, "files", _no_installed_package)
    monkeypatch.setattr(datasets, "__file__", str(tmp_path / "sparseid" / "datasets.py"))
    with pytest.raises(
        FileNotFoundError, match=r"lorenz\.csv was not found; looked in: .*datasets"
    ):
        datasets.load("lorenz")
