# -*- coding: utf-8 -*-
"""python -m local_braze --port 8080 [--api-key KEY] [--permissions users.track,...] [--fault 503x2] ..."""
import argparse
import signal
import sys
import threading

from .server import DEV_API_KEY, Emulator


def main(argv=None):
    parser = argparse.ArgumentParser(prog='python -m local_braze', description=__doc__)
    parser.add_argument('--host', default='127.0.0.1', help='loopback address to listen on')
    parser.add_argument('--port', type=int, default=0, help='port (0 picks a free one)')
    parser.add_argument('--api-key', help='REST key to accept (default: $LOCAL_BRAZE_API_KEY or the dev key)')
    parser.add_argument('--permissions', help='comma-separated permissions of the key (default: all)')
    parser.add_argument('--contract', choices=('standard', 'legacy', 'mau'), default='standard',
                        help='objects per /users/track: standard and mau 75 combined (today), legacy 75 per '
                             'array')
    parser.add_argument('--array-limit', type=int, default=25, choices=(25, 100),
                        help='elements kept in an array attribute (Braze: 25, up to 100 when raised)')
    parser.add_argument('--rate-limit', type=int, help="requests per --rate-window for every endpoint "
                                                       "(default: Braze's own limits)")
    parser.add_argument('--rate-window', type=float, default=3.0)
    parser.add_argument('--retry-after-header', action='store_true',
                        help='also send X-Ratelimit-Retry-After on 429 (seen from Braze, not documented)')
    parser.add_argument('--fault', action='append', default=[],
                        help='503, 503x2, 503:processed, 202, delay:5, drop, drop:processed, garbage:200')
    parser.add_argument('--identity-delay', type=float, default=0.0,
                        help='apply identify, alias and merge this many seconds late (Braze is asynchronous)')
    parser.add_argument('--canvases', help='comma-separated Canvas ids to accept (default: any)')
    parser.add_argument('--campaigns', help='comma-separated campaign ids to accept (default: any)')
    parser.add_argument('--fast', action='store_true', help='answer /users/track 201 success at once (benchmarks)')
    parser.add_argument('--tls-cert', help='serve HTTPS with this certificate chain (PEM)')
    parser.add_argument('--tls-key', help='private key of --tls-cert (PEM)')
    args = parser.parse_args(argv)
    if args.host not in ('127.0.0.1', 'localhost', '::1'):
        parser.error('local_braze listens on loopback only')
    emulator = Emulator(api_key=args.api_key, permissions=_list(args.permissions), contract=args.contract,
                        array_limit=args.array_limit, rate_limit=args.rate_limit, rate_window=args.rate_window,
                        retry_after_header=args.retry_after_header, fast=args.fast,
                        identity_delay=args.identity_delay, canvases=_list(args.canvases),
                        campaigns=_list(args.campaigns))
    for spec in args.fault:
        emulator.faults.parse(spec)
    emulator.start(args.host, args.port, (args.tls_cert, args.tls_key) if args.tls_cert else None)
    print('local_braze listening on {}'.format(emulator.url), flush=True)
    if emulator.api_key == DEV_API_KEY:  # made up for local use: saying it spares a first request's 401
        print('accepting the development REST key {} (Authorization: Bearer <key>; braze_api_key for the nodes)'
              .format(DEV_API_KEY), flush=True)
    else:  # a key chosen by the user is not printed
        print('accepting the REST key given by --api-key or LOCAL_BRAZE_API_KEY', flush=True)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    try:
        done.wait()
    except KeyboardInterrupt:
        pass
    emulator.stop()
    return 0


def _list(text):
    """A comma list; an option not given is None (no restriction), an empty one is an empty list."""
    return None if text is None else [item.strip() for item in text.split(',') if item.strip()]


if __name__ == '__main__':
    sys.exit(main())
