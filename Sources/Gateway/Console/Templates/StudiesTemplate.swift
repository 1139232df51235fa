extension ConsoleTemplates {
    static let studies = """
        {{<layout}}{{$content}}
        <h1>Studies</h1>
        <form class="card filters" method="get" action="/ui/studies">
          <label>Patient ID <input name="patient_id" value="{{patientID}}" maxlength="64"></label>
          <label>Patient name <input name="patient_name" value="{{patientName}}" maxlength="64" placeholder="DOE^J*"></label>
          <label>Accession <input name="accession" value="{{accession}}" maxlength="16"></label>
          <label>From <input name="from" type="date" value="{{dateFrom}}"></label>
          <label>To <input name="to" type="date" value="{{dateTo}}"></label>
          <label>Modality <input name="modality" value="{{modality}}" maxlength="16" placeholder="CT"></label>
          <button>Search</button>
        </form>
        <section class="card table-card">
          <table>
            <thead><tr><th>Patient</th><th>Patient ID</th><th>Accession</th><th>Study date</th><th>Description</th>
            <th>Modalities</th><th class="num">Series</th><th class="num">Objects</th><th>Last received</th></tr></thead>
            <tbody>
            {{#rows}}
            <tr><td><a href="{{href}}">{{#patient}}{{.}}{{/patient}}{{^patient}}(no name){{/patient}}</a></td><td>{{patientID}}</td>
            <td>{{accession}}</td><td>{{date}}</td><td>{{description}}</td><td>{{modalities}}</td>
            <td class="num">{{series}}</td><td class="num">{{instances}}</td><td class="small">{{received}}</td></tr>
            {{/rows}}
            </tbody>
          </table>
          {{^rows}}<p class="empty">{{#searched}}No study matches.{{/searched}}{{^searched}}No studies received yet.{{/searched}}</p>{{/rows}}
          {{#paged}}<p class="pager">{{#previousHref}}<a href="{{.}}">← Previous</a>{{/previousHref}}{{#nextHref}}<a href="{{.}}">Next →</a>{{/nextHref}}</p>{{/paged}}
        </section>
        <p class="small muted">Use * and ? as wildcards. Patient names match from the start (DOE finds DOE^JOHN).</p>
        {{/content}}{{/layout}}
        """

    static let study = """
        {{<layout}}{{$content}}
        <p class="small"><a href="/ui/studies">← Studies</a></p>
        <h1>{{#patient}}{{.}}{{/patient}}{{^patient}}(no name){{/patient}}{{#description}} · {{.}}{{/description}}</h1>
        <div class="grid">
          <section class="card">
            <h2>Study</h2>
            <dl class="facts">
              <dt>Patient ID</dt><dd>{{patientID}}</dd>
              <dt>Birth date</dt><dd>{{birthDate}}</dd>
              <dt>Sex</dt><dd>{{sex}}</dd>
              <dt>Accession</dt><dd>{{accession}}</dd>
              <dt>Study date</dt><dd>{{date}}</dd>
              <dt>Referring</dt><dd>{{referring}}</dd>
              <dt>Objects</dt><dd>{{instanceCount}} in {{seriesCount}} series</dd>
              <dt>Received</dt><dd class="small">{{firstReceived}} – {{lastReceived}}</dd>
              <dt>Study UID</dt><dd class="mono">{{uid}}</dd>
            </dl>
          </section>
          <section class="card">
            <h2>Delivery by destination</h2>
            {{^deliveries}}<p class="muted">No route sent this study anywhere.</p>{{/deliveries}}
            <table>
              {{#deliveries}}
              <tr><td><strong>{{destination}}</strong><br><span class="badge {{status.cls}}">{{status.label}}</span></td>
              <td class="small">{{delivered}} delivered · {{pending}} pending · {{failed}} failed{{#cancelled}} · {{.}} cancelled{{/cancelled}}
              {{#lastAttempt}}<br>last attempt {{.}}{{/lastAttempt}}{{#lastError}}<br><span class="muted">{{.}}</span>{{/lastError}}</td></tr>
              {{/deliveries}}
            </table>
            {{#canResend}}
            <form method="post" action="/ui/studies/{{uid}}/resend" class="actions">
              <input type="hidden" name="csrf" value="{{chrome.csrf}}">
              <label>Send again to
                <select name="destination">{{#resendTargets}}<option value="{{value}}">{{label}}</option>{{/resendTargets}}</select>
              </label>
              <button>Re-send study</button>
            </form>
            {{/canResend}}
          </section>
        </div>
        {{#series}}
        <section class="card table-card">
          <h2>Series {{number}} · {{modality}}{{#description}} · {{.}}{{/description}} <span class="muted small">({{count}} objects)</span></h2>
          <table>
            <thead><tr><th>#</th><th>SOP instance UID</th><th>Size</th><th>File</th><th>Received</th><th>Delivery</th></tr></thead>
            <tbody>
            {{#instances}}
            <tr><td>{{number}}</td><td class="mono">{{uid}}</td><td>{{size}}</td><td>{{state}}</td><td class="small">{{received}}</td>
            <td>{{#deliveries}}<span class="badge {{status.cls}}">{{destination}}: {{status.label}}</span> {{/deliveries}}</td></tr>
            {{/instances}}
            </tbody>
          </table>
        </section>
        {{/series}}
        {{/content}}{{/layout}}
        """
}
