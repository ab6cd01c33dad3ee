"""The two numba decorators of the overflight kernels.

``jit`` compiles a function once and caches the machine code on disk (``cache=True``),
with NumPy's floating-point semantics (division by zero gives ``inf``/``nan``, no
exception). ``inline`` does the same for the small scalar functions on the hot paths
(point geometry, interpolation, nadir), and inlines them into their callers: a call
between compiled functions that pass arrays costs about as much as the geometry of one
point, so inlining halves the time of the pass search. The price is compile time, about
15 s of CPU the first time the kernels run after an install, then loaded from the
cache in well under a second.
"""

from __future__ import annotations

import numba

__all__ = ["jit", "inline"]

jit = numba.njit(cache=True, error_model="numpy")
inline = numba.njit(cache=True, error_model="numpy", inline="always")
