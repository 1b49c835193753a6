#!/bin/bash
# Every BLAS/LAPACK call goes through src/core/linalg.c (issue 19): no cblas_,
# LAPACKE_ or openblas_ call, and no cblas.h or lapacke.h, anywhere else in src/.
# Usage: blas_seam.sh SRC_DIR
cd "$1" || exit 1
found=$(grep -rnE 'cblas_|LAPACKE_|openblas_|<cblas\.h>|<lapacke\.h>' --include='*.c' --include='*.h' . |
        grep -v '^\./core/linalg\.[ch]:')
if [ -n "$found" ]; then
    echo "BLAS/LAPACK outside src/core/linalg.c:"
    echo "$found"
    exit 1
fi
echo "every BLAS/LAPACK call is in src/core/linalg.c"
