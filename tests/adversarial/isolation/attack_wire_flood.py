# Attack: announce huge blobs on the grader's reply pipe (every descriptor it can write to) during forward. Expected: the grader refuses the message before allocating; forward crashes; score at most the honest part (4).
import json
import os
import struct

import numpy as np


def forward(self, X):
    header = json.dumps({"id": 1, "ok": True, "value": {"t": "none"}, "blobs": [256 * 1024 * 1024] * 4000}).encode()
    for fd in range(3, 64):
        try:
            os.write(fd, struct.pack(">I", len(header)) + header)
        except OSError:
            pass
    return np.zeros((len(X), 1))


SimpleNN.forward = forward  # noqa: F821 - the honest class above
