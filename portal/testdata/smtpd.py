"""A recording SMTP server for the portal's tests, built on Debian's
python3-aiosmtpd.

It listens on 127.0.0.1 on a port the kernel chooses and prints
"port N" once it is bound, then one JSON line for each message it accepts:
mail_from, rcpt_tos, data (the raw message, base64), tls (the TLS version,
"" when plain) and login (the AUTH user, "" without AUTH).

    smtpd.py [--starttls CERT KEY | --smtps CERT KEY]

With SMTPD_AUTH=user:password in the environment, AUTH is required (and,
with --starttls, only offered after STARTTLS).
"""
import argparse
import asyncio
import base64
import json
import os
import ssl
import sys

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


class Recorder:
    async def handle_DATA(self, server, session, envelope):
        tls = server.transport.get_extra_info("ssl_object") if server.transport else None
        auth = session.auth_data
        print(json.dumps({
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "data": base64.b64encode(envelope.original_content).decode(),
            "tls": tls.version() if tls else "",
            "login": auth.login.decode() if isinstance(auth, LoginPassword) else "",
        }), flush=True)
        return "250 2.0.0 OK recorded"


def context(cert, key):
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(cert, key)
    return ctx


async def main():
    p = argparse.ArgumentParser()
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--starttls", nargs=2, metavar=("CERT", "KEY"))
    mode.add_argument("--smtps", nargs=2, metavar=("CERT", "KEY"))
    args = p.parse_args()
    creds = os.environ.get("SMTPD_AUTH", "")

    def authenticator(server, session, envelope, mechanism, data):
        ok = (isinstance(data, LoginPassword)
              and data.login.decode() + ":" + data.password.decode() == creds)
        # handled=False: aiosmtpd answers a failure with 535.
        return AuthResult(success=ok, handled=False, auth_data=data)

    starttls = context(*args.starttls) if args.starttls else None
    smtps = context(*args.smtps) if args.smtps else None
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(Recorder(), hostname="smtpd.test", loop=loop,
                     tls_context=starttls, require_starttls=starttls is not None,
                     authenticator=authenticator if creds else None,
                     auth_required=bool(creds),
                     # SMTPS is encrypted from the start, which aiosmtpd's
                     # own check (for STARTTLS) does not see.
                     auth_require_tls=smtps is None),
        host="127.0.0.1", port=0, ssl=smtps)
    print("port", server.sockets[0].getsockname()[1], flush=True)
    # The test closes stdin to stop the server.
    await loop.run_in_executor(None, sys.stdin.read)


asyncio.run(main())
