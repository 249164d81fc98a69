"""cj-pipeline: community justice performance reporting for Scotland."""

__version__ = "0.1.0"
