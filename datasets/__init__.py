"""Data files shipped with sparseid (installed as the package ``sparseid._datasets``).

Load them with :func:`sparseid.datasets.load`; see ``README.md`` in this folder for how each
file was generated.
"""
