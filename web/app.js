/*
 * app.js - the page: hands the chosen file to the worker (worker.js) and shows its answers.
 * Everything stays in the browser; the page itself runs no decoder code.
 */
'use strict';
(function () {
    const $ = (id) => document.getElementById(id);
    const worker = new Worker('worker.js');
    let seq = 0;
    const pending = new Map();
    worker.onmessage = (e) => {
        const p = pending.get(e.data.id);
        pending.delete(e.data.id);
        if (e.data.error !== undefined) p.reject(new Error(e.data.error));
        else p.resolve(e.data.result);
    };
    worker.onerror = (e) => {
        e.preventDefault();
        setStatus('The decoder could not start: ' + (e.message || 'unknown error'), true);
    };
    function call(op, args, transfer) {
        const id = ++seq;
        return new Promise((resolve, reject) => {
            pending.set(id, { resolve, reject });
            worker.postMessage(Object.assign({ id, op }, args), transfer || []);
        });
    }

    function el(tag, attrs, ...kids) {
        const n = document.createElement(tag);
        for (const [k, v] of Object.entries(attrs || {})) {
            if (k === 'class') n.className = v;
            else if (k === 'text') n.textContent = v;
            else n.setAttribute(k, v);
        }
        for (const k of kids) n.append(k);
        return n;
    }

    function setStatus(text, isError) {
        const s = $('status');
        s.textContent = text;
        s.classList.toggle('error-text', !!isError);
    }

    call('hello').then((r) => {
        setStatus(`Ready (SQLite ${r.sqlite} + pickle_ext in WebAssembly). Choose a file.`);
        document.body.dataset.ready = '1';
    }, (e) => setStatus('The decoder could not start: ' + e.message, true));

    /* ---- file choice ---------------------------------------------------------------------- */

    $('file').addEventListener('change', (e) => {
        if (e.target.files[0]) inspect(e.target.files[0]);
    });
    const drop = $('drop');
    drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
    drop.addEventListener('dragleave', () => drop.classList.remove('over'));
    drop.addEventListener('drop', (e) => {
        e.preventDefault();
        drop.classList.remove('over');
        if (e.dataTransfer.files[0]) inspect(e.dataTransfer.files[0]);
    });

    async function inspect(file) {
        for (const id of ['verdict-sec', 'model-sec', 'tree-sec', 'info-sec', 'score-sec'])
            $(id).hidden = true;
        setStatus(`Reading ${file.name} (${file.size.toLocaleString()} bytes)…`);
        let r;
        try {
            const bytes = await file.arrayBuffer();
            r = await call('open', { bytes }, [bytes]);
        } catch (e) {
            setStatus(`Could not read ${file.name}: ${e.message}`, true);
            return;
        }
        setStatus(`${file.name}: ${r.size.toLocaleString()} bytes read, nothing executed.`);
        showVerdict(r.info);
        if (r.info.error) return;
        showInfo(r.info.value);
        showModel(r.model);
        showTree(r.rootType);
        $('score-sec').hidden = !(r.model.value && r.model.value.supported);
        $('scores').textContent = '';
        $('score-status').textContent = '';
        $('download').hidden = true;
        $('verdict').focus();
    }

    /* ---- verdict and info ----------------------------------------------------------------- */

    function showVerdict(info) {
        const v = $('verdict'), body = $('globals').tBodies[0], reasons = $('reasons');
        body.textContent = '';
        reasons.textContent = '';
        $('verdict-sec').hidden = false;
        if (info.error) {
            v.className = 'verdict error';
            v.textContent = 'Not judged: pickle_ext cannot read this file as a pickle. ' + info.error;
            $('globals').hidden = true;
            return;
        }
        const i = info.value;
        $('globals').hidden = i.globals.length === 0;
        v.className = 'verdict ' + (i.safe ? 'safe' : 'unsafe');
        v.textContent = i.safe
            ? 'Safe: loading these bytes with pickle.loads or joblib.load imports and calls only known library code.'
            : 'Unsafe: loading this file in Python could run code outside the catalogue of known library classes' +
              (i.unsafe_globals.length ? ' (' + i.unsafe_globals.join(', ') + ').' : '.');
        v.dataset.safe = String(i.safe);
        i.globals.forEach((g, k) => {
            const tier = i.tiers[k];
            body.append(el('tr', {}, el('td', {}, el('code', { text: g })),
                el('td', { class: 'tier-' + tier, text: tier })));
        });
        for (const why of i.unsafe_reasons.concat(i.reason ? [i.reason] : []))
            reasons.append(el('li', { text: why }));
    }

    function showInfo(i) {
        $('info-sec').hidden = false;
        $('info').textContent = JSON.stringify(i, null, 2);
    }

    function showModel(m) {
        const dl = $('model');
        dl.textContent = '';
        $('model-sec').hidden = false;
        const add = (k, v) => dl.append(el('dt', { text: k }), el('dd', { text: v }));
        if (m.error) {
            add('error', m.error);
            return;
        }
        const x = m.value;
        add('class', x.class);
        add('kind', x.kind === null ? 'not a model' : x.kind);
        add('scorable here', x.supported ? 'yes' : 'no' + (x.reason ? ': ' + x.reason : ''));
        if (x.methods) add('methods', x.methods.join(', '));
        if (x.n_features_in_ !== null && x.n_features_in_ !== undefined)
            add('features', String(x.n_features_in_));
        if (x.feature_names_in_) add('feature names', x.feature_names_in_.join(', '));
        if (x.classes_) add('classes', JSON.stringify(x.classes_));
        if (x.sklearn_version) add('scikit-learn version', x.sklearn_version);
    }

    /* ---- the lazy tree -------------------------------------------------------------------- */

    function showTree(rootType) {
        const t = $('tree');
        t.textContent = '';
        $('tree-sec').hidden = false;
        const ul = el('ul');
        ul.append(node({ key: '$ (root)', type: rootType, path: '$', leaf: false }));
        t.append(ul);
    }

    /* One value: a leaf shows its value; a container is a button that opens its children. */
    function node(c) {
        const li = el('li');
        const label = [el('span', { class: 'key', text: c.key }), ' ',
            el('span', { class: 'type', text: c.type || '' })];
        if (c.leaf) {
            li.append(...label, ': ', el('code', { text: c.shown }));
            return li;
        }
        const b = el('button', { type: 'button', 'aria-expanded': 'false' }, ...label);
        let loaded = false;
        const sub = el('ul');
        sub.hidden = true;
        b.addEventListener('click', async () => {
            const open = b.getAttribute('aria-expanded') !== 'true';
            b.setAttribute('aria-expanded', String(open));
            sub.hidden = !open;
            if (open && !loaded) {
                loaded = true;
                await more(sub, c.path, 0);
            }
        });
        li.append(b, sub);
        return li;
    }

    async function more(ul, path, offset) {
        const wait = el('li', { text: 'Reading…' });
        ul.append(wait);
        try {
            const r = await call('children', { path, offset });
            wait.remove();
            if (!r.rows.length && offset === 0) ul.append(el('li', { text: '(empty)' }));
            for (const c of r.rows) ul.append(node(Object.assign(c, { key: String(c.key) })));
            if (r.more) {
                const li = el('li');
                const b = el('button', { type: 'button', text: 'Show more…' });
                b.addEventListener('click', () => { li.remove(); more(ul, path, offset + r.rows.length); });
                li.append(b);
                ul.append(li);
            }
        } catch (e) {
            wait.textContent = 'Cannot open this value: ' + e.message;
            wait.className = 'error-text';
        }
    }

    /* ---- scoring -------------------------------------------------------------------------- */

    const csvCell = (v) => {
        const s = v === null ? '' : String(v);
        return /[",\r\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
    };

    $('csv').addEventListener('change', async (e) => {
        const f = e.target.files[0];
        if (!f) return;
        const st = $('score-status');
        st.classList.remove('error-text');
        st.textContent = `Scoring ${f.name}…`;
        $('scores').textContent = '';
        $('download').hidden = true;
        let r;
        try {
            r = await call('score', { csv: await f.text() });
        } catch (err) {
            st.textContent = 'Cannot score this CSV: ' + err.message;
            st.classList.add('error-text');
            return;
        }
        const cols = r.header.concat(r.methods);
        const table = el('table', { id: 'score-table' });
        table.append(el('caption', { text: `${r.rows.length} rows scored with ${r.methods.join(', ')}` }));
        const head = el('tr');
        for (const c of cols) head.append(el('th', { scope: 'col', text: c }));
        table.append(el('thead', {}, head));
        const body = el('tbody');
        const lines = [cols.map(csvCell).join(',')];
        r.rows.forEach((row, k) => {
            const vals = row.concat(r.methods.map((m) => r.results[m][k]));
            if (k < 500) {
                const tr = el('tr');
                for (const v of vals) tr.append(el('td', { text: v === null ? '' : String(v) }));
                body.append(tr);
            }
            lines.push(vals.map(csvCell).join(','));
        });
        table.append(body);
        $('scores').append(table);
        const a = $('download');
        if (a.href.startsWith('blob:')) URL.revokeObjectURL(a.href);
        a.href = URL.createObjectURL(new Blob([lines.join('\r\n') + '\r\n'], { type: 'text/csv' }));
        a.hidden = false;
        st.textContent = `${r.rows.length} rows scored` + (r.rows.length > 500 ? ' (the first 500 shown).' : '.');
    });
})();
