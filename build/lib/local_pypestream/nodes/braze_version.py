# -*- coding: utf-8 -*-
"""The package version (setup.cfg reads it from here), sent in the User-Agent so Braze support can
tell which client called."""
__version__ = '2.0.0'
USER_AGENT = 'pypestream-braze/{}'.format(__version__)
