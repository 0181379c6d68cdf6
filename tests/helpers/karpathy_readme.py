"""Karpathy's README expression on two leaves, with no imports: it runs unchanged on
our Values, his, and PyTorch tensors (tests/reference/make_torch_references.py runs
it in an environment without micrograd)."""


def karpathy_readme(a, b):
    """His README example, as written; returns g."""
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    return g
