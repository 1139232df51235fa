extension ConsoleTemplates {
    static let audit = """
        {{<layout}}{{$content}}
        <h1>Audit log</h1>
        {{#verification}}
        <p class="banner {{#intact}}notice{{/intact}}{{^intact}}error{{/intact}}" role="status"><strong>{{#intact}}✓{{/intact}}{{^intact}}✗{{/intact}}</strong> {{summary}}{{#breakReason}} Reason: {{.}}{{/breakReason}}</p>
        {{/verification}}
        <form class="card filters" method="get" action="/ui/audit">
          <label>From <input type="date" name="since" value="{{since}}"></label>
          <label>Until <input type="date" name="until" value="{{until}}"></label>
          <label>Actor <input name="actor" value="{{actor}}" maxlength="64"></label>
          <label>Action <input name="action" value="{{action}}" maxlength="64" placeholder="job.* or user.login"></label>
          <label>Object type <input name="object_type" value="{{objectType}}" maxlength="64" placeholder="destination"></label>
          <label>Outcome <select name="outcome">{{#outcomes}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/outcomes}}</select></label>
          <button>Filter</button>
        </form>
        <section class="card table-card">
          <table>
            <thead><tr><th>Time</th><th>Actor</th><th>Action</th><th>Object</th><th>Outcome</th><th>Details</th></tr></thead>
            <tbody>
            {{#rows}}
            <tr><td class="small nowrap">{{time}}{{^sealed}}<br><span class="badge" title="not sealed into the chain yet">new</span>{{/sealed}}</td>
            <td>{{actor}}{{#address}}<br><span class="small muted">{{.}}</span>{{/address}}</td>
            <td class="mono nowrap">{{action}}</td><td class="small">{{object}}</td>
            <td><span class="badge {{outcome.cls}}">{{outcome.label}}</span></td><td class="small">{{details}}</td></tr>
            {{/rows}}
            </tbody>
          </table>
          {{^rows}}<p class="empty">No events match.</p>{{/rows}}
          {{#paged}}<p class="pager">{{#previousHref}}<a href="{{.}}">← Newer</a>{{/previousHref}}{{#nextHref}}<a href="{{.}}">Older →</a>{{/nextHref}}</p>{{/paged}}
        </section>
        {{/content}}{{/layout}}
        """
}
