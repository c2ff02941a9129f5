# syntax=docker/dockerfile:1
FROM python:3.12-slim

# Python reads the heredoc from stdin.
RUN python3 <<EOF
import sys, platform
# a Python comment, not a Dockerfile comment
print(f"python {sys.version.split()[0]} on {platform.machine()}")
EOF

# A shebang picks the interpreter of a heredoc script.
RUN <<EOF
#!/usr/bin/env python3
import json, pathlib
pathlib.Path("/etc/app.json").write_text(json.dumps({"debug": False, "workers": 4}))
EOF

RUN <<EOF
#!/bin/bash
set -euo pipefail
declare -a langs=(python ruby go)
for l in "${langs[@]}"; do
  echo "lang: $l"
done
EOF

# "python3 -" reads the program from stdin; the quoted delimiter keeps it verbatim.
RUN python3 - <<'PY'
import os
assert os.path.exists("/etc/app.json")
PY
