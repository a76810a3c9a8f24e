# -*- coding: utf-8 -*-
# Copyright (c) certops.orders contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Edgecast CPS v2.0 support for certops.orders (private: not for use outside this collection).

- :mod:`.auth`: the OAuth client-credentials token, as the HTTP seam's auth hook;
- :mod:`.client`: the CPS API calls and the Hyperion error parser;
- :mod:`.models`: pydantic models that turn CPS answers into the modules' flat result dicts;
- :mod:`.provider`: the connection options and the two providers behind the modules.
"""
