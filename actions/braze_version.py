# -*- coding: utf-8 -*-
"""The package version, sent in the User-Agent so Braze support can tell which client called."""
__version__ = '1.0.0'
USER_AGENT = 'pypestream-braze-user-track/{}'.format(__version__)
