"""harmonybench: protocol-exact evaluation of models that read and write text in images."""

from harmonybench.schema import ImageRef, Output, Record, Request, Sample

__version__ = "0.1.0"

__all__ = ["ImageRef", "Output", "Record", "Request", "Sample", "__version__"]
