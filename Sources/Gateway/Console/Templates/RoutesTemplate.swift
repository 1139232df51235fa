extension ConsoleTemplates {
    static let routes = """
        {{<layout}}{{$content}}
        <h1>Routes</h1>
        <p class="muted">Every received object is checked against each enabled route; it goes to the destinations of every route whose conditions all pass.</p>
        {{#canEdit}}<p><a class="button" href="/ui/routes/new">Add route</a></p>{{/canEdit}}
        <section class="card table-card">
          <table>
            <thead><tr><th>Name</th><th class="num">Priority</th><th>Conditions</th><th>Destinations</th><th>Mode</th><th>After sending</th></tr></thead>
            <tbody>
            {{#rows}}
            <tr><td><a href="{{href}}"><strong>{{name}}</strong></a> {{^enabled}}<span class="badge">disabled</span>{{/enabled}}{{#configManaged}} <span class="badge">config file</span>{{/configManaged}}</td>
            <td class="num">{{priority}}</td><td>{{#conditions}}<div class="mono">{{.}}</div>{{/conditions}}</td><td>{{destinations}}</td>
            <td>{{mode}}</td><td>{{archivePolicy}}</td></tr>
            {{/rows}}
            </tbody>
          </table>
          {{^rows}}<p class="empty">No routes: received objects are stored but not forwarded.</p>{{/rows}}
        </section>
        <section class="card">
          <h2>Test a file</h2>
          <p class="muted small">Which destinations would this file go to? Nothing is stored or sent.</p>
          <form method="post" action="/ui/routes/test" enctype="multipart/form-data" class="filters">
            <input type="hidden" name="csrf" value="{{chrome.csrf}}">
            <label>DICOM file <input type="file" name="file" required></label>
            <label>Calling AE (sender) <input name="calling_ae" maxlength="16" value="{{callingAE}}"></label>
            <label>Called AE (us) <input name="called_ae" maxlength="16" value="{{calledAE}}"></label>
            <button>Test</button>
          </form>
          {{#test}}
          <hr>
          <h2>{{filename}}</h2>
          <p>{{#anyDestination}}Would be sent to: {{/anyDestination}}{{#destinations}}<span class="badge ok">{{.}}</span> {{/destinations}}{{^destinations}}<strong>Would not be forwarded:</strong> no enabled route matches.{{/destinations}}
          {{#skipped}}<span class="badge warn">{{.}}: destination disabled</span> {{/skipped}}</p>
          <dl class="facts small">{{#attributes}}<dt>{{label}}</dt><dd class="mono">{{value}}</dd>{{/attributes}}</dl>
          <table>
            <thead><tr><th>Route</th><th>Result</th><th>Why</th><th>Destinations</th></tr></thead>
            <tbody>{{#evaluations}}<tr><td>{{route}}</td><td><span class="badge {{status.cls}}">{{status.label}}</span></td><td class="mono">{{reason}}</td><td>{{destinations}}</td></tr>{{/evaluations}}</tbody>
          </table>
          {{/test}}
        </section>
        {{/content}}{{/layout}}
        """

    static let routeForm = """
        {{<layout}}{{$content}}
        <p class="small"><a href="/ui/routes">← Routes</a></p>
        <h1>{{chrome.title}}</h1>
        {{^editable}}<p class="banner warning">Read-only: {{#configManaged}}this route is managed by the configuration file.{{/configManaged}}{{^configManaged}}changing routes needs the admin role.{{/configManaged}}</p>{{/editable}}
        <form class="card" method="post" action="{{action}}">
          <input type="hidden" name="csrf" value="{{chrome.csrf}}">
          <fieldset {{^editable}}disabled{{/editable}}>
          <div class="form-grid">
            <label>Name <input name="name" value="{{values.name}}" required maxlength="64"{{#errors.name}} class="invalid"{{/errors.name}}>{{#errors.name}}<span class="field-error">{{.}}</span>{{/errors.name}}</label>
            <label>Priority (lower first) <input name="priority" value="{{values.priority}}" inputmode="numeric">{{#errors.priority}}<span class="field-error">{{.}}</span>{{/errors.priority}}</label>
            <label>Mode <select name="mode">{{#modes}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/modes}}</select>{{#errors.mode}}<span class="field-error">{{.}}</span>{{/errors.mode}}</label>
            <label>Quiet period for study mode (s) <input name="stable_seconds" value="{{values.stable_seconds}}" inputmode="numeric">{{#errors.stable_seconds}}<span class="field-error">{{.}}</span>{{/errors.stable_seconds}}</label>
            <label>After sending <select name="archive_policy">{{#policies}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/policies}}</select>{{#errors.archive_policy}}<span class="field-error">{{.}}</span>{{/errors.archive_policy}}</label>
            <label>Description <input name="description" value="{{values.description}}" maxlength="1000">{{#errors.description}}<span class="field-error">{{.}}</span>{{/errors.description}}</label>
          </div>
          <label>Conditions, one per line: <span class="mono">modality=CT</span>, <span class="mono">calling_ae~MOD.*</span>, <span class="mono">PatientID?</span> (present), <span class="mono">AccessionNumber!</span> (absent). None: every object.
            <textarea name="conditions"{{#errors.conditions}} class="invalid"{{/errors.conditions}}>{{values.conditions}}</textarea>{{#errors.conditions}}<span class="field-error">{{.}}</span>{{/errors.conditions}}</label>
          <label>Destinations{{#errors.destinations}}<span class="field-error">{{.}}</span>{{/errors.destinations}}</label>
          <div class="actions">{{#destinations}}<label class="inline"><input type="checkbox" name="destination" value="{{value}}"{{#selected}} checked{{/selected}}> {{label}}</label>{{/destinations}}
          {{^destinations}}<span class="muted">Add a destination first.</span>{{/destinations}}</div>
          <p><label class="inline"><input type="checkbox" name="enabled"{{#enabled}} checked{{/enabled}}> Enabled</label></p>
          </fieldset>
          {{#editable}}<div class="actions"><button>{{#isNew}}Add route{{/isNew}}{{^isNew}}Save changes{{/isNew}}</button><a class="button secondary" href="/ui/routes">Cancel</a></div>{{/editable}}
        </form>
        {{/content}}{{/layout}}
        """
}
