import os

import numpy as np
import pytest
import torch

# one intra-op thread per xdist worker (make test runs two on two cores); two when run alone
torch.set_num_threads(1 if os.environ.get("PYTEST_XDIST_WORKER") else 2)

#: tests that share the book's build or its data/ci store: one xdist worker runs them in order
BOOK_MODULES = {"test_book.py", "test_cli_book.py"}


def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.path.name in BOOK_MODULES:
            item.add_marker(pytest.mark.xdist_group("book"))


@pytest.fixture
def rng():
    return np.random.default_rng(12345)
