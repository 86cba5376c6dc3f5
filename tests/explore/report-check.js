// report-check.js - appended to a copy of an explore HTML report and run in
// headless Chromium (tests/explore/run.sh): drives the report's script as a
// user would and writes what it found into <pre id="result">, which the
// test reads from the dumped DOM.  Each check adds "name=ok" or
// "name=FAIL(...)".
(function () {
    var out = [];
    function check(name, cond, why) { out.push(name + '=' + (cond ? 'ok' : 'FAIL(' + why + ')')); }
    function click(e) { e.dispatchEvent(new MouseEvent('click', {bubbles: true})); }
    function change(e) { e.dispatchEvent(new Event('change', {bubbles: true})); }
    var tb = document.getElementById('points');
    var ths = tb.tHead.rows[0].cells, col = -1, vcol = -1;
    for (var c = 0; c < ths.length; c++) {
        if (ths[c].textContent.indexOf('latency') === 0) col = c;
        if (ths[c].textContent === 'cores') vcol = c;
    }
    check('columns', col > 0 && vcol > 0, 'no latency or cores column');
    function values(c) {
        return Array.prototype.map.call(tb.tBodies[0].rows, function (r) {
            return parseFloat(r.cells[c].getAttribute('data-v'));
        }).filter(function (x) { return !isNaN(x); });
    }
    function sorted(v, up) {
        for (var i = 1; i < v.length; i++) if (up ? v[i - 1] > v[i] : v[i - 1] < v[i]) return false;
        return v.length > 1;
    }
    check('unsorted-at-first', !sorted(values(col), true), 'the table starts sorted by latency');
    click(ths[col]);
    check('sort-up', sorted(values(col), true), 'latency not ascending after one click');
    click(ths[col]);
    check('sort-down', sorted(values(col), false), 'latency not descending after two clicks');
    click(ths[vcol]);
    check('sort-variable', sorted(values(vcol), true), 'cores not ascending');
    var kind = document.getElementById('kind');
    kind.value = 'front';
    change(kind);
    var shown = Array.prototype.filter.call(tb.tBodies[0].rows, function (r) { return r.style.display !== 'none'; });
    var fronts = tb.tBodies[0].querySelectorAll('tr.front').length;
    check('filter-front', shown.length === fronts && fronts > 0, shown.length + ' shown, ' + fronts + ' front rows');
    var circ = document.querySelector('circle.pt[data-i]');
    click(circ);
    var hl = tb.querySelector('tr.hl');
    check('click-highlights-row', hl && hl.getAttribute('data-i') === circ.getAttribute('data-i') &&
          hl.style.display !== 'none', 'no highlighted row for point ' + circ.getAttribute('data-i'));
    var sel = document.getElementById('colorby');
    sel.value = '0';
    change(sel);
    var filled = Array.prototype.filter.call(document.querySelectorAll('circle.pt'), function (e) {
        return e.style.fill || e.style.stroke;
    });
    check('colour-by', filled.length > 0 && document.getElementById('colorkey').children.length > 0,
          filled.length + ' circles coloured');
    var pre = document.createElement('pre');
    pre.id = 'result';
    pre.textContent = 'RESULT ' + out.join(' ') + ' END';
    document.body.appendChild(pre);
})();
