#!/usr/bin/env python3
"""Builds a benchmark tree: DIRS directories of FILES_PER_DIR small files each."""
import os
import sys

root, dirs, per_dir = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
size = int(sys.argv[4]) if len(sys.argv) > 4 else 100
payload = b"x" * size
for d in range(dirs):
    directory = os.path.join(root, f"d{d // 100:02d}", f"dir{d:04d}")
    os.makedirs(directory, exist_ok=True)
    for f in range(per_dir):
        with open(os.path.join(directory, f"file{f:05d}.dat"), "wb") as out:
            out.write(payload)
