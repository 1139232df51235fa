extension ConsoleTemplates {
    static let dashboard = """
        {{<layout}}{{$content}}
        <h1>Dashboard</h1>
        <section class="card chart">
          <h2>Objects per hour, last 24 hours</h2>
          <div class="legend">
            <span><span class="swatch received"></span>Received: {{receivedTotal}}</span>
            <span><span class="swatch forwarded"></span>Forwarded: {{forwardedTotal}}</span>
          </div>
          {{{chart}}}
        </section>
        <div class="grid">
          <section class="card">
            <h2>Destinations needing attention</h2>
            {{^problems}}<p class="muted">None: every destination is running.</p>{{/problems}}
            {{#problems}}
            <p><a href="{{href}}"><strong>{{name}}</strong></a> <span class="badge {{status.cls}}">{{status.label}}</span>
            {{#detail}}<br><span class="small muted">{{.}}</span>{{/detail}}</p>
            {{/problems}}
          </section>
          <section class="card">
            <h2>Storage</h2>
            {{#disk}}
            <p><span class="mono">{{path}}</span> <span class="badge {{status.cls}}">{{status.label}}</span></p>
            <meter min="0" max="100" low="75" high="90" optimum="0" value="{{percent}}">{{percent}}%</meter>
            <p class="small muted">{{used}} used of {{total}}; {{available}} available.</p>
            {{/disk}}
            {{#diskMessage}}<p class="muted">{{.}}</p>{{/diskMessage}}
          </section>
          <section class="card">
            <h2>Certificates</h2>
            {{^certificates}}<p class="muted">No TLS certificate is configured.</p>{{/certificates}}
            {{#certificates}}
            <p><strong>{{label}}</strong> <span class="badge {{status.cls}}">{{status.label}}</span><br>
            <span class="small muted">{{#detail}}{{.}} · {{/detail}}expires {{expiry}}</span></p>
            {{/certificates}}
          </section>
        </div>
        <section class="card table-card">
          <h2>Queues by destination</h2>
          <table>
            <thead><tr><th>Destination</th><th>Status</th><th class="num">Waiting</th><th class="num">Sending</th><th>Oldest wait</th></tr></thead>
            <tbody>
            {{#queues}}
            <tr><td><a href="{{href}}">{{name}}</a></td><td><span class="badge {{status.cls}}">{{status.label}}</span></td>
            <td class="num">{{waiting}}</td><td class="num">{{running}}</td><td>{{#oldestWait}}{{.}}{{/oldestWait}}{{^oldestWait}}<span class="muted">—</span>{{/oldestWait}}</td></tr>
            {{/queues}}
            </tbody>
          </table>
          {{^queues}}<p class="empty">No destinations yet.</p>{{/queues}}
        </section>
        <section class="card table-card">
          <h2>Recently failed jobs (dead letters)</h2>
          <table>
            <thead><tr><th>Job</th><th>Destination</th><th>Failed at</th><th>Error</th><th></th></tr></thead>
            <tbody>
            {{#deadLetters}}
            <tr><td>{{id}}</td><td>{{destination}}</td><td>{{finishedAt}}</td><td class="small">{{error}}</td>
            <td>{{#studyHref}}<a href="{{.}}">study</a>{{/studyHref}}</td></tr>
            {{/deadLetters}}
            </tbody>
          </table>
          {{^deadLetters}}<p class="empty">No failed jobs.</p>{{/deadLetters}}
          <p class="pager"><a href="{{jobsHref}}">All failed jobs →</a></p>
        </section>
        {{/content}}{{/layout}}
        """
}
