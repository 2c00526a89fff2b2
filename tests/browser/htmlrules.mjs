// htmlrules.mjs - html-validate rules for the product's no-JavaScript
// promise, added to .htmlvalidate.json's rules by t0710-html.mjs:
//   switchboard/no-script         no <script> element of any type
//   switchboard/no-event-handler  no inline event handler attribute (on*=)
//   switchboard/no-javascript-url no javascript: URL in any attribute
import { Rule } from 'html-validate';

class NoScript extends Rule {
    documentation() {
        return { description: 'Switchboard has no JavaScript: pages must not contain <script> elements.' };
    }
    setup() {
        this.on('tag:start', (ev) => {
            if (ev.target && String(ev.target.tagName).toLowerCase() === 'script') this.report(ev.target, '<script> element: the admin has no JavaScript');
        });
    }
}

class NoEventHandler extends Rule {
    documentation() {
        return { description: 'Inline event handler attributes run JavaScript; Switchboard has none.' };
    }
    setup() {
        this.on('attr', (ev) => {
            if (/^on/i.test(ev.key)) this.report(ev.target, `inline event handler attribute "${ev.key}"`, ev.keyLocation);
        });
    }
}

// Entities and the characters a browser strips before it looks at a URL's
// scheme (ASCII whitespace and controls anywhere, per the URL standard).
function normalise(v) {
    return v
        .replace(/&#x([0-9a-f]+);?/gi, (_, h) => String.fromCodePoint(parseInt(h, 16)))
        .replace(/&#([0-9]+);?/g, (_, d) => String.fromCodePoint(parseInt(d, 10)))
        .replace(/&colon;/gi, ':').replace(/&tab;/gi, '\t').replace(/&newline;/gi, '\n')
        .replace(/[\u0000-\u0020]/g, '')
        .toLowerCase();
}
class NoJavascriptUrl extends Rule {
    documentation() {
        return { description: 'javascript: URLs run JavaScript; Switchboard has none.' };
    }
    setup() {
        this.on('attr', (ev) => {
            if (typeof ev.value !== 'string') return;
            if (/^(javascript|vbscript):/.test(normalise(ev.value)))
                this.report(ev.target, `javascript: URL in "${ev.key}"`, ev.valueLocation || ev.location);
        });
    }
}

export const plugin = {
    name: 'switchboard',
    rules: {
        'switchboard/no-script': NoScript,
        'switchboard/no-event-handler': NoEventHandler,
        'switchboard/no-javascript-url': NoJavascriptUrl,
    },
};
export const pluginRules = {
    'switchboard/no-script': 'error',
    'switchboard/no-event-handler': 'error',
    'switchboard/no-javascript-url': 'error',
};
