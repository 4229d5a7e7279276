"""Project tooling that is neither deployed nor part of the local runtime."""
