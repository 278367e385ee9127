package io.imagebatch.report;

/**
 * The contact sheet's style sheet, inlined in the page so that it needs no other file and loads nothing from
 * anywhere. System fonts only; the status colours follow GitHub's Primer palette (readable on white, and not
 * told apart by colour alone: every status is also written out).
 */
final class ContactSheetStyle {

    private ContactSheetStyle() {
    }

    /** The CSS, for a {@code <style>} element. */
    static final String CSS = """
            :root{--ink:#1f2328;--muted:#59636e;--line:#d1d9e0;--paper:#ffffff;--wash:#f6f8fa;
            --ok:#1a7f37;--ok-bg:#dafbe1;--rej:#9a6700;--rej-bg:#fff8c5;--fail:#cf222e;--fail-bg:#ffebe9;
            --unc:#8250df;--unc-bg:#fbefff}
            *{box-sizing:border-box}
            html{-webkit-text-size-adjust:100%}
            body{margin:0;background:var(--wash);color:var(--ink);
            font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
            code{font:12px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
            a{color:inherit}
            header.top{background:var(--paper);border-bottom:1px solid var(--line);padding:24px 32px 20px}
            .kicker{margin:0;color:var(--muted);font-size:12px;letter-spacing:.08em;text-transform:uppercase}
            .sandbox{margin:8px 0;padding:8px 12px;background:#fff4d6;border:1px solid #e0b44c;border-radius:6px}
            h1{margin:2px 0 14px;font-size:24px;font-weight:600;overflow-wrap:anywhere}
            .facts{display:flex;flex-wrap:wrap;gap:8px 32px;margin:0 0 16px}
            .facts div{min-width:0}
            .facts dt{color:var(--muted);font-size:12px}
            .facts dd{margin:0;font-weight:500;overflow-wrap:anywhere}
            .counts{display:flex;flex-wrap:wrap;gap:8px;margin:0;padding:0;list-style:none}
            .counts li{display:flex;align-items:baseline;gap:6px;padding:6px 12px;border-radius:999px;
            border:1px solid var(--line);background:var(--paper);color:var(--muted)}
            .counts li b{font-size:18px;color:var(--ink)}
            .counts li.s-succeeded{background:var(--ok-bg);border-color:transparent;color:var(--ok)}
            .counts li.nonzero.s-rejected{background:var(--rej-bg);border-color:transparent;color:var(--rej)}
            .counts li.nonzero.s-failed{background:var(--fail-bg);border-color:transparent;color:var(--fail)}
            .counts li.nonzero.s-uncertain{background:var(--unc-bg);border-color:transparent;color:var(--unc)}
            .files{margin:14px 0 0;color:var(--muted);font-size:13px}
            main{padding:8px 32px 32px}
            h2{display:flex;align-items:center;gap:8px;margin:24px 0 12px;font-size:16px;font-weight:600}
            h2 .n{padding:0 8px;border-radius:999px;background:var(--line);font-size:12px;font-weight:600}
            .problems h2 .n{background:var(--fail);color:#fff}
            .issues{margin:0;padding:0;list-style:none;display:grid;gap:8px}
            .issue{background:var(--paper);border:1px solid var(--line);border-left:4px solid var(--fail);
            border-radius:6px;padding:10px 14px}
            .issue.s-rejected{border-left-color:var(--rej)}
            .issue.s-uncertain{border-left-color:var(--unc)}
            .head{display:flex;flex-wrap:wrap;align-items:center;gap:4px 10px}
            .badge{display:inline-block;padding:1px 8px;border-radius:999px;font-size:11px;font-weight:600;
            letter-spacing:.04em}
            .s-succeeded .badge{background:var(--ok-bg);color:var(--ok)}
            .s-rejected .badge{background:var(--rej-bg);color:var(--rej)}
            .s-failed .badge{background:var(--fail-bg);color:var(--fail)}
            .s-uncertain .badge{background:var(--unc-bg);color:var(--unc)}
            .row{font-weight:600}
            .id{color:var(--muted);overflow-wrap:anywhere}
            .pm{color:var(--muted);font-size:12px}
            .failure{color:var(--fail);font-size:12px;font-weight:600}
            .reason{margin:6px 0 2px;font-weight:500;overflow-wrap:anywhere;white-space:pre-wrap}
            .prompt{margin:4px 0 0;color:var(--muted);overflow-wrap:anywhere;white-space:pre-wrap}
            .issue .prompt{font-size:13px}
            .all-good{margin:24px 0 0;color:var(--ok);font-weight:500}
            .grid{margin:0;padding:0;list-style:none;display:grid;gap:16px;
            grid-template-columns:repeat(auto-fill,minmax(210px,1fr))}
            .card{background:var(--paper);border:1px solid var(--line);border-radius:8px;overflow:hidden;
            display:flex;flex-direction:column}
            .thumb{display:block;position:relative;aspect-ratio:1/1;background:var(--wash);
            border-bottom:1px solid var(--line)}
            .thumb img{position:absolute;inset:0;display:block;width:100%;height:100%;max-width:100%;
            object-fit:contain}
            .thumb.missing{display:flex;align-items:center;justify-content:center;padding:12px;color:var(--muted);
            font-size:12px;text-align:center;overflow-wrap:anywhere}
            .card .body{padding:8px 10px 10px}
            .card .head{flex-wrap:nowrap;gap:8px}
            .card .head .id{flex:1;min-width:0;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
            .card .badge{font-size:10px;padding:0 6px}
            .card .prompt{font-size:12px;display:-webkit-box;-webkit-box-orient:vertical;-webkit-line-clamp:3;
            overflow:hidden}
            .card:hover .prompt,.card:focus-within .prompt{-webkit-line-clamp:unset}
            .card .pm{margin:6px 0 0}
            .card.group{grid-column:span 2}
            .variants{display:grid;grid-template-columns:repeat(auto-fit,minmax(96px,1fr));gap:2px;
            background:var(--line)}
            .variant{margin:0;background:var(--paper);display:flex;flex-direction:column}
            .variant figcaption{padding:2px 6px;font-size:11px;color:var(--muted)}
            .variant.chosen .thumb{outline:3px solid var(--ok);outline-offset:-3px}
            .variant.chosen figcaption{color:var(--ok);font-weight:600}
            footer{padding:0 32px 32px;color:var(--muted);font-size:12px}
            nav.pages{display:flex;flex-wrap:wrap;align-items:center;gap:6px;padding:12px 32px}
            nav.pages a,nav.pages span{padding:2px 10px;border:1px solid var(--line);border-radius:6px;
            background:var(--paper);text-decoration:none}
            nav.pages [aria-current]{background:var(--ink);color:var(--paper);border-color:var(--ink)}
            nav.pages .off,nav.pages .gap{color:var(--muted);border-color:transparent;background:none}
            @media (max-width:600px){header.top{padding:16px}main{padding:4px 16px 24px}
            footer{padding:0 16px 24px}.grid{grid-template-columns:repeat(auto-fill,minmax(140px,1fr))}}
            """;
}
