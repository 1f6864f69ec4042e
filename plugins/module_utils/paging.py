# -*- coding: utf-8 -*-
# Copyright: converge contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one pager of the clients: a paged list read to its end, within a bound no server can stretch.

Each client knows how its platform pages (a page number or an offset, where the items are, when a page
is the last); `pages` reads one page after the other for it, and ends the list when a page repeats one
already read (a server that ignores the page number answers the same page again). A server that answers
full pages of new items for ever gets an error naming the platform and the call after MAX_PAGES pages:
with the clients' page sizes that is 1,000,000 ZStack rows, 500,000 VSD snapshots of one VM, 100,000
migration tasks or OpenDCP items, far beyond any real list.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import json

from ansible_collections.converge.platforms.plugins.module_utils.http import ApiError

#: the most pages of one list a client reads
MAX_PAGES = 1000


class PagingError(ApiError):
    """A list that did not end within MAX_PAGES pages."""


def pages(read_page, platform, method, path, listing=None, first=1):
    """Yield `read_page(number)` for page `first`, `first + 1`, ... while the caller asks for more.

    The caller stops when it has the whole list (a short page, the announced total). A page that repeats
    one already read ends the list; asking for more than MAX_PAGES pages raises PagingError naming the
    `platform` and the call (`method` `path`; `listing` names the list when the path does not, such as
    the migration platform's Action).
    """
    seen = set()
    for number in range(first, first + MAX_PAGES):
        page = read_page(number)
        fingerprint = _fingerprint(page)
        if page and fingerprint in seen:
            return
        seen.add(fingerprint)
        yield page
    raise PagingError("%s answered %d full pages of %s and had more: converge reads at most %d pages of one list"
                      % (platform, MAX_PAGES, listing or path, MAX_PAGES), method, path)


def _fingerprint(page):
    """A short digest of a page's content, to know it again."""
    return hashlib.sha256(json.dumps(page, sort_keys=True, default=str).encode("utf-8")).digest()
