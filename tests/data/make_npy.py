#!/usr/bin/python3
"""Write the small NPY files test_io.c reads, with Debian's python3-numpy.

Run from this folder: /usr/bin/python3 make_npy.py
Each file holds the same 4 x 3 matrix (expected.csv, written with repr so
that it reads back exactly) in another layout: float64 and float32, little
and big endian, C and Fortran order, and NPY format versions 1.0, 2.0, 3.0.
"""
import numpy as np
from numpy.lib import format as npf

A = np.array([[2.385, -0.125, 1.0e-3],
              [7.5, -3.25, 0.0625],
              [1.0 / 3.0, 123456.789, -2.0e-7],
              [0.0, 42.0, -1.5]])

with open("expected.csv", "w") as f:
    f.write("c0,c1,c2\n")
    for row in A:
        f.write(",".join(repr(float(v)) for v in row) + "\n")

np.save("f8_c.npy", A)
np.save("f4_c.npy", A.astype("<f4"))
np.save("f8_big.npy", A.astype(">f8"))
np.save("f4_big_fortran.npy", np.asfortranarray(A.astype(">f4")))
np.save("f8_fortran.npy", np.asfortranarray(A))
for version, name in (((2, 0), "f8_v2.npy"), ((3, 0), "f8_v3.npy")):
    with open(name, "wb") as f:
        npf.write_array(f, A, version=version)

# A dtype whiten refuses (tests/cli.sh: "unsupported dtype").
np.save("i4.npy", np.arange(6, dtype="<i4").reshape(2, 3))

# A state file assembled by numpy itself (np.savez writes zip64 extra fields),
# which whiten must read like its own: an interneuron network, n = 2, k = 3.
import json
import zipfile
W = np.array([[1.5, 0.25, -0.5], [0.0, 2.0, 0.125]])
np.savez("state_numpy.npz", M=W @ W.T, W=W)
meta = {"format": "whiten-state", "version": 1, "creator": "make_npy.py", "net": "interneuron",
        "n": 2, "k": 3, "eta": 0.002, "samples": "1234"}
with zipfile.ZipFile("state_numpy.npz", "a") as z:
    z.writestr("meta.json", json.dumps(meta))
