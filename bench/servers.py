# -*- coding: utf-8 -*-
"""The benchmark's loopback Braze: local_braze in its own process (so the server does not share
the client's interpreter lock), over HTTP or HTTPS with a certificate made for this run."""
import contextlib
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Not a secret: shaped like a Braze REST key (36 characters), so masking is measured at its real cost.
API_KEY = 'b3f1c9e2-7a4d-4e8b-9c6f-2d1a5e7b8c90'


@contextlib.contextmanager
def braze(tls=False, fast=True):
    """Yield (url, ca_bundle or None) of a local_braze server (--fast: /users/track answers at once)."""
    with tempfile.TemporaryDirectory() as folder:
        command = [sys.executable, '-m', 'local_braze', '--api-key', API_KEY, '--rate-limit', '100000000',
                   '--rate-window', '1'] + (['--fast'] if fast else [])
        ca_path = None
        if tls:
            import trustme  # development requirement: a throwaway CA and a cert for 127.0.0.1
            ca = trustme.CA()
            cert = ca.issue_cert('127.0.0.1', 'localhost')
            ca_path = os.path.join(folder, 'ca.pem')
            chain, key = os.path.join(folder, 'server.pem'), os.path.join(folder, 'server.key')
            ca.cert_pem.write_to_path(ca_path)
            cert.private_key_pem.write_to_path(key)
            with open(chain, 'wb') as handle:
                for blob in cert.cert_chain_pems:
                    handle.write(blob.bytes())
            command += ['--tls-cert', chain, '--tls-key', key]
        process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)
        try:
            line = process.stdout.readline().strip()
            if not line.startswith('local_braze listening on '):
                raise RuntimeError('local_braze did not start: {!r}'.format(line))
            yield line.rsplit(' ', 1)[1], ca_path
        finally:
            process.terminate()
            process.wait(timeout=10)
