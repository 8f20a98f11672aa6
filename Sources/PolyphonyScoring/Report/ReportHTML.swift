import Foundation

/// The look shared by Polyphony's HTML reports (session scores, experiment comparisons):
/// one self-contained page with no external files, so it reads the same offline. A small
/// inline script sorts and filters tables and offers each figure as an SVG download.
package enum ReportHTML {
    /// The style sheet every report page uses.
    package static let style = """
        body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
        table{border-collapse:collapse;margin:0.5em 0 1.5em;font-size:14px}td,th{padding:3px 6px;border-bottom:1px solid #ddd;text-align:right}
        th{vertical-align:bottom}th[title],td[title]{text-decoration:underline dotted #999;cursor:help}
        .wide{overflow-x:auto;max-width:100%}
        td:first-child,th:first-child{text-align:left}th{background:#f4f4f4}
        svg{background:#fff;border:1px solid #e4e4e4;margin:0.3em 0.6em 0.6em 0}
        .legend span{display:inline-block;margin-right:1em}.swatch{display:inline-block;width:10px;height:10px;margin-right:4px}
        .charts{display:flex;flex-wrap:wrap}
        .report-header dl{display:grid;grid-template-columns:max-content auto;gap:2px 1em;margin:0.5em 0 1.5em}
        .report-header dt{font-weight:bold}.report-header dd{margin:0}
        th[data-sort]{cursor:pointer}th[aria-sort=ascending]::after{content:" ▲"}th[aria-sort=descending]::after{content:" ▼"}
        a.download{font-size:11px;margin-right:1em}td.text,th.text{text-align:left}td:first-child:not(.text){white-space:nowrap}
        .map-point.cluster-hover{stroke:#000;stroke-width:2}
        """

    /// The version of Polyphony that writes reports; `polyphony --version` prints the same.
    package static let polyphonyVersion = "0.1.0"

    /// The inline script: click a `th[data-sort]` to sort its table (numbers by `data-value`),
    /// type in an `input[data-filter]` to hide rows without the text, and get an "SVG" link
    /// under every `svg.chart`; hovering an idea-map point outlines its cluster. `?sort=COLUMN` clicks that column on load and `?filter=TEXT`
    /// fills the filter box, which both readers and the headless-browser check use.
    package static let script = #"""
        (function(){
        function key(cell){var v=cell?(cell.getAttribute('data-value')!==null?cell.getAttribute('data-value'):cell.textContent):'';var t=v.trim();if(t!==''&&!isNaN(Number(t)))return Number(t);return t.toLowerCase();}
        document.querySelectorAll('table.sortable').forEach(function(table){
          var heads=table.querySelectorAll('th[data-sort]');
          heads.forEach(function(th){th.addEventListener('click',function(){
            var col=Array.prototype.indexOf.call(th.parentNode.children,th);
            var asc=th.getAttribute('aria-sort')!=='ascending';
            heads.forEach(function(h){h.removeAttribute('aria-sort');});
            th.setAttribute('aria-sort',asc?'ascending':'descending');
            var body=table.tBodies[0],rows=Array.prototype.slice.call(body.rows);
            rows.sort(function(a,b){var x=key(a.cells[col]),y=key(b.cells[col]);
              var c=typeof x===typeof y?(x<y?-1:x>y?1:0):(typeof x==='number'?-1:1);return asc?c:-c;});
            rows.forEach(function(r){body.appendChild(r);});
          });});
        });
        document.querySelectorAll('input[data-filter]').forEach(function(box){
          var table=document.getElementById(box.getAttribute('data-filter'));
          box.addEventListener('input',function(){var q=box.value.toLowerCase();
            Array.prototype.forEach.call(table.tBodies[0].rows,function(r){r.hidden=q!==''&&r.textContent.toLowerCase().indexOf(q)<0;});});
        });
        document.querySelectorAll('svg.chart').forEach(function(svg){
          var copy=svg.cloneNode(true);copy.setAttribute('xmlns',svg.namespaceURI);
          var a=document.createElement('a');a.className='download';a.textContent='download SVG';
          a.download=(svg.getAttribute('aria-label')||'figure').replace(/[^A-Za-z0-9_-]+/g,'-')+'.svg';
          a.href='data:image/svg+xml;charset=utf-8,'+encodeURIComponent(copy.outerHTML);
          var holder=document.createElement('div');svg.parentNode.insertBefore(holder,svg);holder.appendChild(svg);holder.appendChild(document.createElement('br'));holder.appendChild(a);
        });
        document.querySelectorAll('[data-cluster]').forEach(function(point){
          function mark(on){document.querySelectorAll('[data-cluster="'+point.getAttribute('data-cluster')+'"]').forEach(function(p){p.classList.toggle('cluster-hover',on);});}
          point.addEventListener('mouseenter',function(){mark(true);});point.addEventListener('mouseleave',function(){mark(false);});
        });
        var params=new URLSearchParams(location.search),sort=params.get('sort'),filter=params.get('filter');
        if(filter!==null){document.querySelectorAll('input[data-filter]').forEach(function(box){box.value=filter;box.dispatchEvent(new Event('input'));});}
        if(sort){var th=document.querySelector('th[data-sort="'+sort.replace(/[^A-Za-z0-9_-]/g,'')+'"]');if(th)th.click();}
        })();
        """#

    /// Series colours, in order.
    package static let palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]

    /// A whole page around `body` (already HTML).
    package static func page(title: String, body: String) -> String {
        """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>\(escape(title))</title>
        <style>
        \(style)
        </style></head><body>
        \(body)
        <script>
        \(script)
        </script>
        </body></html>

        """
    }

    /// The page header a paper can cite: a title and the settings that produced the numbers.
    /// - Parameters:
    ///   - title: The `<h1>` text.
    ///   - fields: Label and value pairs, values already HTML; empty values are left out.
    package static func header(title: String, fields: [(String, String)]) -> String {
        "<header class=\"report-header\"><h1>\(escape(title))</h1><dl>"
            + fields.filter { !$0.1.isEmpty }.map { "<dt>\(escape($0.0))</dt><dd data-field=\"\(escape($0.0))\">\($0.1)</dd>" }.joined()
            + "</dl></header>"
    }

    /// An ISO 8601 day and time in UTC, for a report header.
    package static func timestamp(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(timeZone: TimeZone(identifier: "UTC") ?? .current))
    }

    /// A chart's bold title at (`x`, 16). A title longer than `available` pixels is squeezed
    /// to fit rather than cut off at the chart's edge; `definition`, when given, shows on hover.
    package static func chartTitle(_ text: String, x: Double, available: Double, definition: String? = nil) -> String {
        // About 7 px per character of 12 px bold sans-serif.
        let squeeze = Double(text.count) * 7 > available
            ? " textLength=\"\(Int(available))\" lengthAdjust=\"spacingAndGlyphs\"" : ""
        let hover = definition.map { "<title>\(escape($0))</title>" } ?? ""
        return "<text class=\"chart-title\" x=\"\(Int(x))\" y=\"16\" font-size=\"12\" font-weight=\"bold\"\(squeeze)>\(hover)\(escape(text))</text>"
    }

    /// Ticks at round steps (1, 2 or 5 × 10ⁿ) inside `low...high`, about five of them, and
    /// the decimals that step needs, so an axis reads 4.2, 4.4, … rather than 4.16, 4.64, ….
    package static func niceTicks(_ low: Double, _ high: Double) -> (ticks: [Double], digits: Int) {
        let span = high - low
        guard span > 0, span.isFinite else { return ([low], 2) }
        let raw = span / 5
        let magnitude = pow(10, (log10(raw)).rounded(.down))
        let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? 10 * magnitude
        let digits = max(0, -Int((log10(step)).rounded(.down)))
        var ticks: [Double] = []
        var value = (low / step).rounded(.up) * step
        while value <= high + step * 1e-9, ticks.count < 12 {
            ticks.append(abs(value) < step * 1e-9 ? 0 : value)
            value += step
        }
        return (ticks, digits)
    }

    /// A table that may be wider than the page, in a box that scrolls sideways instead of
    /// pushing the page wider than the window.
    package static func wide(_ table: String) -> String {
        "<div class=\"wide\">\(table)</div>"
    }

    /// Axis titles for a chart `width` by `height`: `x` centred under the plot, `y` turned
    /// up the left edge.
    package static func axisTitles(x: String, y: String, width: Double, height: Double) -> String {
        "<text class=\"axis-title\" x=\"\(Int(width / 2))\" y=\"\(Int(height - 3))\" font-size=\"11\" text-anchor=\"middle\">\(escape(x))</text>"
            + "<text class=\"axis-title\" transform=\"translate(11 \(Int(height / 2))) rotate(-90)\" font-size=\"11\" text-anchor=\"middle\">\(escape(y))</text>"
    }

    /// Escapes text for HTML element content and attribute values.
    package static func escape(_ text: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(text.count)
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            default: escaped.append(character)
            }
        }
        return escaped
    }
}
