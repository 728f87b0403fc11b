"""Weak-form SINDy (sparseid.weak): test functions, GLS weighting, model integration."""

import numpy as np
import pytest

from sparseid import SINDy, load_model, systems
from sparseid.optimizers import STLSQ
from sparseid.weak import WeakForm, bump_matrices


def lorenz_truth(names):
    """The 7 true Lorenz coefficients on a degree-2 library with term names like 'x z'."""
    return systems.Lorenz().true_coefficients(names).to_numpy()


def test_test_functions_integrate_by_parts():
    # integral of phi' t = -integral of phi (no boundary terms), on a non-uniform grid.
    rng = np.random.default_rng(0)
    t = np.linspace(0.0, 10.0, 4000) + rng.uniform(-5e-4, 5e-4, 4000)
    phi, dphi, centers = bump_matrices(t, half_width=0.5, order=8, spacing=0.25)
    assert phi.shape == (len(centers), len(t)) and len(centers) > 30
    np.testing.assert_allclose(dphi @ t, -(phi @ np.ones_like(t)), rtol=1e-4)
    # A bump of half-width h and order p integrates to h B(1/2, p + 1).
    from scipy.special import beta

    np.testing.assert_allclose(phi @ np.ones_like(t), 0.5 * beta(0.5, 9), rtol=1e-3)


def test_clean_data_exact():
    model = SINDy(weak_form=True).fit(systems.make_lorenz(5000))
    true = lorenz_truth(model.feature_names_)
    assert np.array_equal(model.coef_ != 0, true != 0)
    assert np.abs(model.coef_ - true).max() < 1e-7


def test_structure_at_10_percent_noise():
    data = systems.make_lorenz(5000, noise=0.1, random_state=0)
    model = SINDy(weak_form=True).fit(data)
    true = lorenz_truth(model.feature_names_)
    assert np.array_equal(model.coef_ != 0, true != 0)
    assert np.abs(model.coef_ - true).max() < 0.5
    fitted = model.weak_form_
    assert fitted.n_iter_ >= 1 and fitted.n_test_functions_ > 30
    # The noise estimate is close to the 10 % that was added.
    np.testing.assert_allclose(fitted.noise_[0], 0.1 * data.to_numpy().std(axis=0), rtol=0.15)
    # Standard errors come from the weighted equations.
    assert np.all(model.coef_stderr_[true != 0] > 0)


def test_joint_weighting_beats_per_target_and_plain_at_10_percent():
    errors = {}
    for covariance in ("joint", "gls", "none"):
        errs = []
        for seed in range(3):
            data = systems.make_lorenz(10_000, noise=0.1, random_state=seed)
            # (refine=False: the weighting alone; the refinement runs only with "joint")
            model = SINDy(weak_form=WeakForm(covariance=covariance, refine=False)).fit(data)
            errs.append(np.abs(model.coef_ - lorenz_truth(model.feature_names_)).max())
        errors[covariance] = np.median(errs)
    assert errors["joint"] < errors["gls"] < errors["none"]


def test_joint_whitening_matches_dense_generalised_least_squares():
    # The banded, interleaved whitening gives the normal equations of dense GLS with the
    # joint covariance in block (target-major) order.
    from scipy import sparse

    from sparseid.libraries import PolynomialLibrary
    from sparseid.weak._covariance import state_jacobian, whiten_joint

    data = systems.make_lorenz(600, noise=0.05, random_state=0)
    x, t = data.to_numpy(), data.index.to_numpy()
    library = PolynomialLibrary(degree=2).fit(x)
    phi, dphi, _ = bump_matrices(t, 0.06, 8, 0.03)
    G, B = phi @ library.transform(x), -(dphi @ x)
    coef = lorenz_truth(list(library.get_feature_names_out(["x", "y", "z"])))
    jac = state_jacobian(library.transform, x, 3, coef)
    sigma = np.array([0.4, 0.5, 0.3])
    X, y = whiten_joint(phi, dphi, jac, sigma, G, B)
    blocks = [
        [
            sigma[ell] * (phi @ sparse.diags_array(jac[:, i, ell]) + (dphi if ell == i else 0))
            for ell in range(3)
        ]
        for i in range(3)
    ]
    big = sparse.block_array(blocks).toarray()
    chol = np.linalg.cholesky(big @ big.T)
    design = np.linalg.solve(chol, np.kron(np.eye(3), G))
    target = np.linalg.solve(chol, B.T.reshape(-1))
    stacked = np.hstack(X)
    # (equal up to the tiny relative ridge that keeps the banded Cholesky well defined)
    np.testing.assert_allclose(
        np.linalg.lstsq(stacked, y, rcond=None)[0],
        np.linalg.lstsq(design, target, rcond=None)[0],
        rtol=1e-5,
        atol=1e-8,
    )


def test_auto_half_width_grows_with_the_noise():
    from sparseid.weak import auto_half_width

    t = np.linspace(0.0, 100.0, 10_001)
    x = np.sin(t)[:, None]
    spread = x.std()
    widths = [
        auto_half_width(x, t, np.array([f * spread]), 16, min_samples=16) for f in (0, 0.1, 0.2)
    ]
    assert widths[0] == pytest.approx(0.16)  # clean: min_samples steps
    # The attenuation rule: the half-width grows like the noise variance.
    assert widths[2] == pytest.approx(4 * widths[1])


def test_bias_correction_runs_and_moves_the_coefficients():
    data = systems.make_lorenz(2000, noise=0.1, random_state=0)
    plain = SINDy(
        weak_form=WeakForm(covariance="gls", half_width=0.06), optimizer=STLSQ(threshold=0.5)
    ).fit(data)
    corrected = SINDy(
        weak_form=WeakForm(covariance="gls", half_width=0.06, bias_correction=True),
        optimizer=STLSQ(threshold=0.5),
    ).fit(data)
    assert np.all(np.isfinite(corrected.coef_))
    assert np.abs(corrected.coef_ - plain.coef_).max() > 1e-6
    assert np.abs(corrected.coef_ - lorenz_truth(corrected.feature_names_)).max() < 1.5


def test_several_trajectories_and_non_uniform_times(noisy_lorenz_pieces):
    # Every other sample, with a few dropped: steps of dt and 2 dt (no gaps).
    xs, ts = noisy_lorenz_pieces(4000, noise=0.01, seed=1)
    model = SINDy(weak_form=True).fit(xs, t=ts, feature_names=["x", "y", "z"])
    true = lorenz_truth(model.feature_names_)
    assert np.array_equal(model.coef_ != 0, true != 0)
    assert np.abs(model.coef_ - true).max() < 0.1


def test_fixed_half_width_and_simulate():
    data = systems.make_lorenz(3000, noise=0.02, random_state=0)
    model = SINDy(weak_form=WeakForm(half_width=0.1, density=2)).fit(data)
    assert model.weak_form_.half_width_ == [0.1]
    sim = model.simulate(data.iloc[0], data.index[:200])
    assert np.abs(sim.to_numpy() - data.to_numpy()[:200]).max() < 2.0


def test_save_and_load(tmp_path):
    model = SINDy(weak_form=True).fit(systems.make_lorenz(2000, noise=0.01, random_state=0))
    model.save(tmp_path / "m.json")
    loaded = load_model(tmp_path / "m.json")
    np.testing.assert_array_equal(loaded.coef_, model.coef_)
    assert loaded.weak_form is True
    model.set_params(weak_form=WeakForm(order=8, density=2)).fit(systems.make_lorenz(2000))
    model.save(tmp_path / "m2.json")
    assert load_model(tmp_path / "m2.json").weak_form.get_params()["order"] == 8


def test_errors():
    data = systems.make_lorenz(500)
    with pytest.raises(ValueError, match="discrete_time"):
        SINDy(weak_form=True, discrete_time=True).fit(data)
    with pytest.raises(TypeError, match="weak_form"):
        SINDy(weak_form="yes").fit(data)
    with pytest.raises(ValueError, match="half_width"):
        SINDy(weak_form=WeakForm(half_width=-1.0)).fit(data)
    with pytest.raises(ValueError, match="covariance"):
        SINDy(weak_form=WeakForm(covariance="full")).fit(data)
    with pytest.raises(ValueError, match="bias_correction"):
        SINDy(weak_form=WeakForm(bias_correction=True)).fit(data)
    with pytest.raises(ValueError, match="test function"):
        SINDy(weak_form=WeakForm(half_width=0.4)).fit(data)
    with pytest.raises(ValueError, match="time"):
        SINDy(weak_form=True).fit(data.to_numpy())
