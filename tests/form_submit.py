#!/usr/bin/env python3
"""form_submit.py - submit an admin form the way a browser does, for the
integration tests (tests/integration/t0615-form-replay.sh).

Fetches PAGE with the session of a curl cookie jar, finds the form whose
action is ACTION (and, with --button, that has that submit button), and
collects what a browser would send: hidden, text and other inputs with
their values, checked boxes, selected options, textareas and the clicked
button's name=value, in document order.  --set NAME=VALUE replaces (or
adds) a field, --check NAME=VALUE ticks a checkbox.  The form is posted
(urlencoded, or multipart/form-data with a fresh boundary each time, as
a browser does, when the form says so; --file NAME=PATH gives a file).
Redirects are not followed.  Each post prints "STATUS LOCATION".

--save FILE keeps what was posted; --replay FILE posts exactly that again
(the same form token: the second click on the same page).  The cookie
jar is read, never written: every post uses the session it holds.
"""
import argparse
import html.parser
import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request


def read_jar(path):
    cookies = []
    with open(path) as f:
        for line in f:
            line = line.rstrip('\n')
            if line.startswith('#HttpOnly_'):
                line = line[len('#HttpOnly_'):]
            elif line.startswith('#') or not line.strip():
                continue
            parts = line.split('\t')
            if len(parts) == 7 and parts[6] != '':
                cookies.append(f'{parts[5]}={parts[6]}')
    return '; '.join(cookies)


class Forms(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms = []
        self.form = None
        self.select = None
        self.textarea = None
        self.option = None
        self.owner = None
        self.owned = []

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else '') for k, v in attrs}
        if tag == 'form':
            self.form = {'action': a.get('action', ''), 'method': a.get('method', 'get').lower(),
                         'enctype': a.get('enctype', ''), 'fields': [], 'id': a.get('id')}
            self.forms.append(self.form)
            return
        if self.form is None and 'form' not in a:
            return
        if 'form' in a:
            # form="ID": the field belongs to that form, wherever it is.
            self.owner = a['form']
        else:
            self.owner = None
        if tag == 'input':
            t = a.get('type', 'text').lower()
            if 'name' not in a:
                return
            if t in ('checkbox', 'radio'):
                self.add({'kind': t, 'name': a['name'], 'value': a.get('value', 'on'), 'on': 'checked' in a})
            elif t in ('submit', 'image'):
                self.add({'kind': 'submit', 'name': a['name'], 'value': a.get('value', ''),
                          'formaction': a.get('formaction')})
            elif t == 'file':
                self.add({'kind': 'file', 'name': a['name']})
            elif t not in ('reset', 'button'):
                self.add({'kind': 'text', 'name': a['name'], 'value': a.get('value', '')})
        elif tag == 'button':
            t = a.get('type', 'submit').lower()
            if t == 'submit':
                self.add({'kind': 'submit', 'name': a.get('name'), 'value': a.get('value', ''),
                          'formaction': a.get('formaction')})
        elif tag == 'textarea' and 'name' in a:
            self.textarea = {'kind': 'text', 'name': a['name'], 'value': ''}
            self.add(self.textarea)
        elif tag == 'select' and 'name' in a:
            self.select = {'kind': 'select', 'name': a['name'], 'value': None, 'first': None}
            self.add(self.select)
        elif tag == 'option' and self.select is not None:
            self.option = {'value': a.get('value'), 'text': '', 'selected': 'selected' in a}

    def add(self, field):
        if self.owner is not None:
            self.owned.append((self.owner, field))
        else:
            self.form['fields'].append(field)

    def finish(self):
        for fid, field in self.owned:
            for f in self.forms:
                if f['id'] == fid:
                    f['fields'].append(field)

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea['value'] += data
        if self.option is not None:
            self.option['text'] += data

    def handle_endtag(self, tag):
        if tag == 'form':
            self.form = None
        elif tag == 'textarea':
            if self.textarea is not None and self.textarea['value'].startswith('\n'):
                self.textarea['value'] = self.textarea['value'][1:]
            self.textarea = None
        elif tag == 'option' and self.option is not None:
            self.close_option()
        elif tag == 'select':
            if self.option is not None:
                self.close_option()
            self.select = None

    def close_option(self):
        o, s = self.option, self.select
        v = o['value'] if o['value'] is not None else o['text'].strip()
        if s['first'] is None:
            s['first'] = v
        if o['selected']:
            s['value'] = v
        self.option = None


def target(form, x):
    return x.get('formaction') or form['action']


def pick(forms, action, button):
    for f in forms:
        if f['method'] != 'post':
            continue
        subs = [x for x in f['fields'] if x['kind'] == 'submit' and target(f, x) == action]
        if not subs and f['action'] != action:
            continue
        if button and not any(f"{x['name']}={x['value']}" == button for x in subs):
            continue
        return f
    return None


def fields_of(form, action, button, sets, checks):
    out = []
    clicked = False
    for x in form['fields']:
        k = x['kind']
        if k == 'submit':
            if clicked or target(form, x) != action:
                continue
            if button is None or f"{x['name']}={x['value']}" == button:
                clicked = True
                if x['name']:
                    out.append([x['name'], x['value']])
            continue
        if k in ('checkbox', 'radio'):
            if x['on'] or f"{x['name']}={x['value']}" in checks:
                out.append([x['name'], x['value']])
            continue
        if k == 'select':
            v = x['value'] if x['value'] is not None else x['first']
            if v is not None:
                out.append([x['name'], v])
            continue
        if k == 'file':
            continue
        out.append([x['name'], x['value']])
    for s in sets:
        name, _, value = s.partition('=')
        for pair in out:
            if pair[0] == name:
                pair[1] = value
                break
        else:
            out.append([name, value])
    return out


def post(base, jar, action, fields, enctype, files):
    headers = {'Cookie': read_jar(jar)}
    if enctype == 'multipart/form-data':
        boundary = '----form' + os.urandom(12).hex()
        chunks = []
        for name, value in fields:
            chunks.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
                          + value.encode() + b'\r\n')
        for name, path in files:
            with open(path, 'rb') as f:
                data = f.read()
            fn = os.path.basename(path)
            chunks.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{fn}"\r\n'
                          f'Content-Type: text/plain\r\n\r\n'.encode() + data + b'\r\n')
        body = b''.join(chunks) + f'--{boundary}--\r\n'.encode()
        headers['Content-Type'] = f'multipart/form-data; boundary={boundary}'
    else:
        body = urllib.parse.urlencode([tuple(p) for p in fields]).encode()
        headers['Content-Type'] = 'application/x-www-form-urlencoded'

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *a, **k):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    req = urllib.request.Request(base + action, data=body, headers=headers, method='POST')
    try:
        r = opener.open(req, timeout=30)
        status, loc = r.status, r.headers.get('Location', '')
    except urllib.error.HTTPError as e:
        status, loc = e.code, e.headers.get('Location', '')
    print(f'{status} {loc or "-"}')


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--base', required=True)
    ap.add_argument('--jar', required=True)
    ap.add_argument('--page')
    ap.add_argument('--action')
    ap.add_argument('--button')
    ap.add_argument('--set', action='append', default=[])
    ap.add_argument('--check', action='append', default=[])
    ap.add_argument('--file', action='append', default=[])
    ap.add_argument('--save')
    ap.add_argument('--replay')
    o = ap.parse_args()
    if o.replay:
        with open(o.replay) as f:
            saved = json.load(f)
        post(o.base, o.jar, saved['action'], saved['fields'], saved['enctype'], saved['files'])
        return 0
    req = urllib.request.Request(o.base + o.page, headers={'Cookie': read_jar(o.jar)})
    page = urllib.request.urlopen(req, timeout=30).read().decode('utf-8')
    p = Forms()
    p.feed(page)
    p.finish()
    form = pick(p.forms, o.action, o.button)
    if form is None:
        print(f'no form with action {o.action}' + (f' and button {o.button}' if o.button else '') +
              f' on {o.page}', file=sys.stderr)
        print('000 -')
        return 1
    fields = fields_of(form, o.action, o.button, o.set, o.check)
    if os.environ.get('FORM_SUBMIT_DEBUG'):
        print(json.dumps(fields), file=sys.stderr)
    files = [f.split('=', 1) for f in o.file]
    if o.save:
        with open(o.save, 'w') as f:
            json.dump({'action': o.action, 'fields': fields, 'enctype': form['enctype'], 'files': files}, f)
    post(o.base, o.jar, o.action, fields, form['enctype'], files)
    return 0


if __name__ == '__main__':
    sys.exit(main())
