#!/usr/bin/python3
"""Whiten 8x8 image patches with the interneuron network and plot the learned filters.

  PYTHONPATH=build/python /usr/bin/python3 examples/patches.py [--image photo.png]
          [--out filters.png] [--samples 200000] [--eta 2e-4] [--passes 2]

Without --image it draws a synthetic 1/f ("natural") image. Patches are centred (the mean
patch is subtracted), fed online to whiten.Whitener, and the rows of M^-1 -- the ZCA
whitening filters, one per pixel -- are drawn as 8x8 tiles: centre-surround filters, as
retinal ganglion cells have. The figure also shows the eigenvalue spectrum of the patches'
covariance before and after whitening.
"""
import argparse

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import whiten  # noqa: E402

P = 8


def one_over_f_image(size=512, seed=1):
    """A Gaussian image whose amplitude spectrum falls as 1/f, like natural scenes."""
    rng = np.random.default_rng(seed)
    f = np.fft.fftfreq(size)
    radius = np.hypot(*np.meshgrid(f, f))
    radius[0, 0] = 1.0
    img = np.fft.ifft2(np.fft.fft2(rng.standard_normal((size, size))) / radius).real
    return (img - img.mean()) / img.std()


def load_image(path):
    img = plt.imread(path).astype(np.float64)
    if img.ndim == 3:
        img = img[..., :3].mean(axis=2)
    return (img - img.mean()) / img.std()


def patches(img, count, seed=2):
    rng = np.random.default_rng(seed)
    r = rng.integers(0, img.shape[0] - P, count)
    c = rng.integers(0, img.shape[1] - P, count)
    idx = np.arange(P)
    X = img[r[:, None, None] + idx[None, :, None], c[:, None, None] + idx[None, None, :]]
    X = X.reshape(count, P * P)
    return np.ascontiguousarray(X - X.mean(axis=0))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--image")
    ap.add_argument("--out", default="filters.png")
    ap.add_argument("--samples", type=int, default=200_000)
    ap.add_argument("--eta", type=float, default=2e-4)
    ap.add_argument("--passes", type=int, default=2)
    a = ap.parse_args(argv)
    img = load_image(a.image) if a.image else one_over_f_image()
    X = patches(img, a.samples)
    C = X.T @ X / len(X)
    w = whiten.Whitener(net="interneuron", eta=a.eta, passes=a.passes).fit(X)
    F = np.linalg.inv(w.M_)                      # y = F x: row i is pixel i's filter
    Cy = F @ C @ F.T
    error = np.linalg.norm(Cy - np.eye(P * P), 2)
    lam = np.linalg.eigvalsh(C)
    zca = np.linalg.inv(w.M_) @ np.linalg.cholesky(C)  # == orthogonal iff F = C^{-1/2}

    fig = plt.figure(figsize=(11, 5.2))
    grid = fig.add_gridspec(P, P + 6)
    for i in range(P * P):
        ax = fig.add_subplot(grid[i // P, i % P])
        tile = F[i].reshape(P, P)
        m = np.abs(tile).max()
        ax.imshow(tile, cmap="RdBu_r", vmin=-m, vmax=m)
        ax.set_xticks([]), ax.set_yticks([])
    ax = fig.add_subplot(grid[1:7, P + 1:])
    ax.semilogy(lam[::-1], "o-", ms=3, label="patches, $C$")
    ax.semilogy(np.linalg.eigvalsh(Cy)[::-1], "s-", ms=3, label=r"outputs, $M^{-1} C M^{-1}$")
    ax.set_xlabel("component")
    ax.set_ylabel("variance")
    ax.legend()
    ax.set_title(f"whitening error {error:.3f}")
    fig.suptitle(f"Filters (rows of $M^{{-1}}$) learned online by {w.n_samples_seen_} samples, "
                 f"$\\eta$ = {a.eta:g}, interneurons")
    fig.savefig(a.out, dpi=110)
    print(f"{a.out}: whitening error {error:.4f}; centre weight of the middle filter "
          f"{F[P * P // 2 + P // 2, P * P // 2 + P // 2]:.3f}; "
          f"deviation from ZCA {np.abs(zca @ zca.T - np.eye(P * P)).max():.3f}")
    return w, F, error


if __name__ == "__main__":
    main()
