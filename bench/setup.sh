#!/usr/bin/env bash
# One-time setup of the benchmark's PyTorch reference: Debian's torch (1.13) for /usr/bin/python3.
# libopenblas0-pthread replaces the naive reference BLAS (3× slower steps without it).
set -euo pipefail
if /usr/bin/python3 -c "import torch, torchvision" 2>/dev/null; then
  echo "python3-torch already installed"
  exit 0
fi
apt-get update
apt-get install -y python3-torch python3-torchvision libopenblas0-pthread
