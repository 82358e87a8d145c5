# -*- coding: utf-8 -*-
"""python -m local_braze --port 8080 [--api-key KEY] [--rate-limit N] [--fault 503x2] [--fast]"""
import argparse
import signal
import sys
import threading

from .server import Emulator


def main(argv=None):
    parser = argparse.ArgumentParser(prog='python -m local_braze', description=__doc__)
    parser.add_argument('--host', default='127.0.0.1', help='loopback address to listen on')
    parser.add_argument('--port', type=int, default=0, help='port (0 picks a free one)')
    parser.add_argument('--api-key', help='REST key to accept (default: $LOCAL_BRAZE_API_KEY or the dev key)')
    parser.add_argument('--max-objects', type=int, default=75, help='objects per request (default 75)')
    parser.add_argument('--per-array', action='store_true', help='apply --max-objects to each array (legacy)')
    parser.add_argument('--rate-limit', type=int, help='requests allowed per --rate-window seconds')
    parser.add_argument('--rate-window', type=float, default=3.0)
    parser.add_argument('--fault', action='append', default=[],
                        help='503, 503x2, 500:processed, delay:5, drop, drop:processed, garbage:200')
    parser.add_argument('--fast', action='store_true', help='answer 201 success at once (benchmarks)')
    parser.add_argument('--tls-cert', help='serve HTTPS with this certificate chain (PEM)')
    parser.add_argument('--tls-key', help='private key of --tls-cert (PEM)')
    args = parser.parse_args(argv)
    if args.host not in ('127.0.0.1', 'localhost', '::1'):
        parser.error('local_braze listens on loopback only')
    emulator = Emulator(api_key=args.api_key, max_objects=args.max_objects, per_array=args.per_array,
                        rate_limit=args.rate_limit, rate_window=args.rate_window, fast=args.fast)
    for spec in args.fault:
        emulator.faults.parse(spec)
    emulator.start(args.host, args.port, (args.tls_cert, args.tls_key) if args.tls_cert else None)
    print('local_braze listening on {}'.format(emulator.url), flush=True)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    try:
        done.wait()
    except KeyboardInterrupt:
        pass
    emulator.stop()
    return 0


if __name__ == '__main__':
    sys.exit(main())
