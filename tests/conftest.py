import os
import signal

import numpy as np
import pytest
import torch

# one intra-op thread per xdist worker (make test runs two on two cores); two when run alone
torch.set_num_threads(1 if os.environ.get("PYTEST_XDIST_WORKER") else 2)


def default_sigint():
    """``preexec_fn`` of a child that a test sends Ctrl-C: SIGINT back to its default action.

    A shell without job control starts background jobs with SIGINT ignored, and children inherit
    that; Python then installs no KeyboardInterrupt handler and the child never sees the test's
    Ctrl-C (it ran on until the test's timeout).  A terminal's foreground job has the default."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.fixture
def rng():
    return np.random.default_rng(12345)
