# -*- coding: utf-8 -*-
# Copyright: converge contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    """Connection options of the VSD modules (the VSD API documents no login)."""

    DOCUMENTATION = r"""
options:
  url:
    description:
      - Base URL of the VSD API, such as C(http://127.0.0.1:18081) (the C(/v1/compute) paths are added).
      - If not set, the environment variable E(VSD_URL) is used.
    type: str
    required: true
  validate_certs:
    description:
      - Whether to verify the TLS certificate of an C(https) URL.
      - If not set, the environment variable E(VSD_VALIDATE_CERTS) is used.
    type: bool
    default: true
  ca_path:
    description:
      - A PEM bundle of the certificate authorities to verify an C(https) URL with, instead of the system's.
      - Taken over C(REQUESTS_CA_BUNDLE) and C(CURL_CA_BUNDLE); ignored with O(validate_certs=false).
      - If not set, the environment variable E(VSD_CA_PATH) is used.
    type: path
  timeout:
    description:
      - Read timeout of one HTTP request, in seconds.
    type: int
    default: 30
requirements:
  - requests
"""
