"""Offline stand-in for pip's get-pip.py, which ansible-test downloads to bootstrap pip.

ansible-test runs this file with pip's install arguments. It installs the pip wheel bundled
with Python (ensurepip), then lets that pip install any other package asked for.
"""

import ensurepip
import subprocess
import sys

ensurepip.bootstrap(upgrade=False, default_pip=True)
# pip itself comes from the bundled wheel, so only other requested packages go to the index
packages = [a for a in sys.argv[1:] if not a.startswith("-") and not a.startswith("pip")]
options = [a for a in sys.argv[1:] if a.startswith("-") and a not in ("--no-setuptools", "--no-wheel")]
if packages:
    sys.exit(subprocess.call([sys.executable, "-m", "pip", "install"] + options + packages))
