extension ConsoleTemplates {
    static let jobs = """
        {{<layout}}{{$content}}
        <h1>Jobs</h1>
        <form class="card filters" method="get" action="/ui/jobs">
          <label>State
            <select name="state">{{#states}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/states}}</select>
          </label>
          <label>Destination
            <select name="destination"><option value="">All destinations</option>
            {{#destinations}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/destinations}}</select>
          </label>
          <button>Show</button>
        </form>
        <form method="post" action="/ui/jobs/action">
          <input type="hidden" name="csrf" value="{{chrome.csrf}}">
          <input type="hidden" name="state" value="{{state}}">
          {{#destination}}<input type="hidden" name="destination" value="{{.}}">{{/destination}}
          {{#canAct}}
          <div class="actions">
            <span class="muted small">Selected jobs:</span>
            <button class="secondary small" name="action" value="retry">Retry selected</button>
            <button class="secondary small" name="action" value="cancel">Cancel selected</button>
            {{#bulkRetry}}<button class="small" name="all" value="retry">Retry all matching…</button>{{/bulkRetry}}
            {{#bulkCancel}}<button class="danger small" name="all" value="cancel">Cancel all matching…</button>{{/bulkCancel}}
          </div>
          {{/canAct}}
          <section class="card table-card">
            <table>
              <thead><tr>{{#canAct}}<th></th>{{/canAct}}<th>Job</th><th>Destination</th><th>State</th><th class="num">Attempts</th>
              <th>Enqueued</th><th>{{whenLabel}}</th><th>Last error</th><th></th></tr></thead>
              <tbody>
              {{#rows}}
              <tr>
                {{#canAct}}<td><input type="checkbox" name="id" value="{{id}}" aria-label="Select job {{id}}"></td>{{/canAct}}
                <td>{{id}}</td><td>{{destination}}</td><td><span class="badge {{state.cls}}">{{state.label}}</span></td>
                <td class="num">{{attempt}}</td><td class="small">{{enqueuedAt}}</td><td class="small">{{when}}</td>
                <td class="small">{{error}}</td>
                <td><div class="row-actions">
                  {{#studyHref}}<a class="button secondary small" href="{{.}}">Study</a>{{/studyHref}}
                  {{#canRetry}}<button class="small" name="retry_one" value="{{id}}">Retry</button>{{/canRetry}}
                  {{#canCancel}}<button class="secondary small" name="cancel_one" value="{{id}}">Cancel</button>{{/canCancel}}
                </div></td>
              </tr>
              {{/rows}}
              </tbody>
            </table>
            {{^rows}}<p class="empty">No jobs in this state.</p>{{/rows}}
            {{#paged}}<p class="pager">{{#previousHref}}<a href="{{.}}">← Previous</a>{{/previousHref}}{{#nextHref}}<a href="{{.}}">Next →</a>{{/nextHref}}</p>{{/paged}}
          </section>
        </form>
        {{/content}}{{/layout}}
        """

    static let jobsConfirm = """
        {{<layout}}{{$content}}
        <section class="card confirm">
          <h1>{{verb}} {{count}} job{{#plural}}s{{/plural}}?</h1>
          <p>This will {{action}} <strong>{{count}} job{{#plural}}s{{/plural}}</strong>: <span class="mono">{{shownIDs}}</span>.</p>
          <form method="post" action="/ui/jobs/confirm">
            <input type="hidden" name="csrf" value="{{chrome.csrf}}">
            <input type="hidden" name="action" value="{{action}}">
            {{#state}}<input type="hidden" name="state" value="{{.}}">{{/state}}
            {{#destination}}<input type="hidden" name="destination" value="{{.}}">{{/destination}}
            {{#ids}}<input type="hidden" name="id" value="{{.}}">{{/ids}}
            <div class="actions">
              <button{{#danger}} class="danger"{{/danger}}>{{verb}} {{count}} job{{#plural}}s{{/plural}}</button>
              <a class="button secondary" href="{{backHref}}">Back</a>
            </div>
          </form>
        </section>
        {{/content}}{{/layout}}
        """
}
