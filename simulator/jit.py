"""numba's njit with an on-disk cache when one is writable, and without one when none is."""

import numba


def njit_cached(**options):
    """`numba.njit(cache=True, **options)`, falling back to no cache where numba finds no cache folder."""

    def decorate(function):
        try:
            return numba.njit(cache=True, **options)(function)
        except RuntimeError as error:
            if "no locator available" not in str(error):
                raise
            return numba.njit(cache=False, **options)(function)

    return decorate
