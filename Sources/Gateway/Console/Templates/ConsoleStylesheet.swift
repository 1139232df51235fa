/// The console's one stylesheet, served at `/ui/static/console.css`.
enum ConsoleStylesheet {
    static let css = """
        :root { --fg: #1d2733; --muted: #5d6b7a; --line: #d9e0e7; --bg: #f4f6f8; --card: #fff; --accent: #1f5fa8;
          --ok: #1b7f4b; --ok-bg: #e3f4ea; --warn: #8a5a00; --warn-bg: #fff3d6; --bad: #b42318; --bad-bg: #fde8e6; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
          color: var(--fg); background: var(--bg); }
        a { color: var(--accent); text-decoration: none; }
        a:hover { text-decoration: underline; }
        header.top { display: flex; align-items: center; gap: 24px; padding: 0 24px; height: 52px; background: #17324f; color: #fff; }
        header.top .brand { color: #fff; font-weight: 700; font-size: 17px; letter-spacing: .3px; }
        header.top nav { display: flex; gap: 4px; flex: 1; flex-wrap: wrap; }
        header.top nav a { color: #cfdceb; padding: 6px 10px; border-radius: 6px; }
        header.top nav a:hover { background: #23476d; text-decoration: none; color: #fff; }
        header.top nav a.current { background: #2d5a8a; color: #fff; }
        header.top .logout { display: flex; align-items: center; gap: 10px; margin: 0; }
        header.top .who { color: #cfdceb; font-size: 14px; }
        .role { display: inline-block; padding: 0 6px; border-radius: 4px; background: #2d5a8a; color: #fff; font-size: 12px; }
        main { max-width: 1280px; margin: 0 auto; padding: 20px 24px 48px; }
        h1 { font-size: 22px; margin: 4px 0 16px; }
        h2 { font-size: 17px; margin: 0 0 12px; }
        .muted { color: var(--muted); }
        .small { font-size: 13px; }
        .mono { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: 13px; word-break: break-all; }
        .card { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 16px 18px; margin-bottom: 18px; }
        .grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(300px, 1fr)); gap: 18px; margin-bottom: 18px; }
        .grid .card { margin-bottom: 0; }
        .stat { font-size: 28px; font-weight: 600; }
        .banner { padding: 10px 14px; border-radius: 8px; margin: 0 0 16px; }
        .notice { background: var(--ok-bg); color: var(--ok); border: 1px solid #b7e0c6; }
        .error { background: var(--bad-bg); color: var(--bad); border: 1px solid #f5c2bd; }
        .warning { background: var(--warn-bg); color: var(--warn); border: 1px solid #f0d9a0; }
        table { width: 100%; border-collapse: collapse; background: var(--card); }
        th, td { text-align: left; padding: 7px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
        th { font-size: 12px; text-transform: uppercase; letter-spacing: .4px; color: var(--muted); font-weight: 600; background: #f9fafb; }
        tr:last-child td { border-bottom: 0; }
        td.num, th.num { text-align: right; }
        .table-card { padding: 0; overflow-x: auto; }
        .table-card h2 { padding: 14px 18px 0; }
        .badge { display: inline-block; padding: 1px 8px; border-radius: 999px; font-size: 12px; font-weight: 600; white-space: nowrap;
          background: #e8edf2; color: var(--muted); }
        .badge.ok { background: var(--ok-bg); color: var(--ok); }
        .badge.warn { background: var(--warn-bg); color: var(--warn); }
        .badge.bad { background: var(--bad-bg); color: var(--bad); }
        form { margin: 0; }
        fieldset { border: 0; padding: 0; margin: 0; min-width: 0; }
        .nowrap { white-space: nowrap; word-break: normal; }
        label { display: block; font-size: 13px; color: var(--muted); margin-bottom: 10px; }
        label.inline { display: inline-flex; align-items: center; gap: 6px; color: var(--fg); font-size: 14px; }
        input, select, textarea { display: block; width: 100%; margin-top: 3px; padding: 7px 9px; font: inherit; color: var(--fg);
          border: 1px solid #c3ccd6; border-radius: 6px; background: #fff; }
        input[type=checkbox] { display: inline; width: auto; margin: 0; }
        input[type=file] { padding: 5px; }
        textarea { min-height: 90px; font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 13px; }
        input:focus, select:focus, textarea:focus { outline: 2px solid #9cc0ea; border-color: var(--accent); }
        .field-error { display: block; color: var(--bad); font-size: 13px; margin-top: 3px; }
        .invalid { border-color: var(--bad); }
        .filters { display: flex; flex-wrap: wrap; gap: 12px; align-items: flex-end; }
        .filters label { margin: 0; min-width: 150px; flex: 1; }
        .form-grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(240px, 1fr)); gap: 4px 18px; }
        .actions { display: flex; gap: 8px; flex-wrap: wrap; align-items: center; margin-top: 8px; }
        button, .button { display: inline-block; padding: 7px 14px; font: inherit; font-weight: 600; border-radius: 6px; cursor: pointer;
          border: 1px solid var(--accent); background: var(--accent); color: #fff; }
        button:hover, .button:hover { background: #184d89; text-decoration: none; }
        button.secondary, .button.secondary { background: #fff; color: var(--accent); }
        button.secondary:hover, .button.secondary:hover { background: #eef4fb; }
        button.danger { background: var(--bad); border-color: var(--bad); }
        button.danger:hover { background: #8f1c13; }
        button.small, .button.small { padding: 3px 10px; font-size: 13px; }
        header.top button.secondary { background: transparent; color: #fff; border-color: #6f8fb3; }
        header.top button.secondary:hover { background: #23476d; }
        .row-actions { display: flex; gap: 6px; flex-wrap: wrap; }
        .login { max-width: 380px; margin: 72px auto; }
        .login h1 { margin-bottom: 4px; }
        .login button { width: 100%; margin-top: 6px; }
        .chart svg { width: 100%; height: auto; display: block; }
        .chart .received { fill: #5b8fd1; }
        .chart .forwarded { fill: #2e9e6a; }
        .chart .axis { stroke: #c3ccd6; stroke-width: 1; }
        .chart text { fill: #5d6b7a; font-size: 11px; font-family: system-ui, sans-serif; }
        .legend { display: flex; gap: 16px; font-size: 13px; color: var(--muted); }
        .legend .swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 5px; }
        .swatch.received { background: #5b8fd1; }
        .swatch.forwarded { background: #2e9e6a; }
        meter { width: 100%; height: 14px; }
        dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; margin: 0; }
        dl.facts dt { color: var(--muted); }
        dl.facts dd { margin: 0; }
        .pager { display: flex; gap: 10px; justify-content: flex-end; padding: 10px 18px; }
        .empty { padding: 14px 18px; color: var(--muted); }
        details summary { cursor: pointer; color: var(--accent); }
        .confirm { max-width: 640px; }
        """
}
