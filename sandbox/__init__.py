"""Local simulators of the source systems, so loaders can be built and tested without the real APIs."""
