extension ConsoleTemplates {
    static let destinations = """
        {{<layout}}{{$content}}
        <h1>Destinations</h1>
        {{#echo}}<p class="banner {{#success}}notice{{/success}}{{^success}}error{{/success}}" role="status"><strong>{{name}}:</strong> {{text}}</p>{{/echo}}
        {{#canEdit}}<p><a class="button" href="/ui/destinations/new">Add destination</a></p>{{/canEdit}}
        <section class="card table-card">
          <table>
            <thead><tr><th>Name</th><th>Address</th><th>Status</th><th class="num">Queued</th><th>Oldest wait</th>
            <th class="num">Failed jobs</th><th>Last error</th>{{#canEdit}}<th></th>{{/canEdit}}</tr></thead>
            <tbody>
            {{#rows}}
            <tr>
              <td><a href="{{href}}"><strong>{{name}}</strong></a>{{#configManaged}} <span class="badge">config file</span>{{/configManaged}}</td>
              <td class="mono">{{address}}{{#tls}} <span class="badge {{cls}}">{{label}}</span>{{/tls}}</td>
              <td><span class="badge {{status.cls}}">{{status.label}}</span></td>
              <td class="num">{{waiting}}</td><td>{{oldestWait}}</td>
              <td class="num">{{#deadLetters}}<a href="/ui/jobs?state=failed&amp;destination={{id}}">{{.}}</a>{{/deadLetters}}</td>
              <td class="small">{{lastError}}</td>
              {{#canEdit}}<td>
                <div class="row-actions">
                <form method="post" action="/ui/destinations/{{id}}/echo"><input type="hidden" name="csrf" value="{{chrome.csrf}}"><button class="secondary small">Echo test</button></form>
                {{#paused}}<form method="post" action="/ui/destinations/{{id}}/resume"><input type="hidden" name="csrf" value="{{chrome.csrf}}"><button class="small">Resume</button></form>{{/paused}}
                {{^paused}}<form method="post" action="/ui/destinations/{{id}}/pause"><input type="hidden" name="csrf" value="{{chrome.csrf}}"><button class="secondary small">Pause</button></form>{{/paused}}
                </div>
              </td>{{/canEdit}}
            </tr>
            {{/rows}}
            </tbody>
          </table>
          {{^rows}}<p class="empty">No destinations yet.</p>{{/rows}}
        </section>
        {{/content}}{{/layout}}
        """

    static let destinationForm = """
        {{<layout}}{{$content}}
        <p class="small"><a href="/ui/destinations">← Destinations</a></p>
        <h1>{{chrome.title}}</h1>
        {{#state}}
        <section class="card">
          <div class="actions">
            <span class="badge {{status.cls}}">{{status.label}}</span>
            <span class="muted small">{{waiting}} queued{{#oldestWait}}, oldest waiting {{.}}{{/oldestWait}}{{#deadLetters}} · <a href="/ui/jobs?state=failed&amp;destination={{id}}">{{.}} failed jobs</a>{{/deadLetters}}</span>
            {{#canAct}}
            <form method="post" action="/ui/destinations/{{id}}/echo"><input type="hidden" name="csrf" value="{{chrome.csrf}}"><button class="secondary small">Echo test</button></form>
            {{#paused}}<form method="post" action="/ui/destinations/{{id}}/resume"><input type="hidden" name="csrf" value="{{chrome.csrf}}"><button class="small">Resume</button></form>{{/paused}}
            {{^paused}}<form method="post" action="/ui/destinations/{{id}}/pause"><input type="hidden" name="csrf" value="{{chrome.csrf}}"><button class="secondary small">Pause</button></form>{{/paused}}
            {{/canAct}}
          </div>
          {{#lastError}}<p class="small muted">Last error: {{.}}</p>{{/lastError}}
        </section>
        {{/state}}
        {{^editable}}{{^isNew}}<p class="banner warning">Read-only: {{#state.configManaged}}this destination is managed by the configuration file.{{/state.configManaged}}{{^state.configManaged}}changing destinations needs the operator role.{{/state.configManaged}}</p>{{/isNew}}{{/editable}}
        {{#tlsUnverified}}<p class="banner warning">DICOM TLS without host name verification: any certificate its CA signed, for any host, is accepted from this destination.</p>{{/tlsUnverified}}
        <form class="card" method="post" action="{{action}}">
          <input type="hidden" name="csrf" value="{{chrome.csrf}}">
          <fieldset {{^editable}}disabled{{/editable}} class="form-grid">
            <label>Name <input name="name" value="{{values.name}}" required maxlength="64"{{#errors.name}} class="invalid"{{/errors.name}}>{{#errors.name}}<span class="field-error">{{.}}</span>{{/errors.name}}</label>
            <label>Called AE title <input name="ae_title" value="{{values.ae_title}}" required maxlength="16"{{#errors.ae_title}} class="invalid"{{/errors.ae_title}}>{{#errors.ae_title}}<span class="field-error">{{.}}</span>{{/errors.ae_title}}</label>
            <label>Host <input name="host" value="{{values.host}}" required{{#errors.host}} class="invalid"{{/errors.host}}>{{#errors.host}}<span class="field-error">{{.}}</span>{{/errors.host}}</label>
            <label>Port <input name="port" value="{{values.port}}" required inputmode="numeric"{{#errors.port}} class="invalid"{{/errors.port}}>{{#errors.port}}<span class="field-error">{{.}}</span>{{/errors.port}}</label>
            <label>Our AE title (calling) <input name="calling_ae_title" value="{{values.calling_ae_title}}" maxlength="16" placeholder="the gateway's own">{{#errors.calling_ae_title}}<span class="field-error">{{.}}</span>{{/errors.calling_ae_title}}</label>
            <label>Associations at once <input name="max_associations" value="{{values.max_associations}}" inputmode="numeric">{{#errors.max_associations}}<span class="field-error">{{.}}</span>{{/errors.max_associations}}</label>
            <label>Objects per association <input name="max_objects_per_association" value="{{values.max_objects_per_association}}" inputmode="numeric">{{#errors.max_objects_per_association}}<span class="field-error">{{.}}</span>{{/errors.max_objects_per_association}}</label>
            <label>Attempts before giving up <input name="max_attempts" value="{{values.max_attempts}}" inputmode="numeric">{{#errors.max_attempts}}<span class="field-error">{{.}}</span>{{/errors.max_attempts}}</label>
            <label>First retry after (s) <input name="retry_initial_delay" value="{{values.retry_initial_delay}}" inputmode="numeric">{{#errors.retry_initial_delay}}<span class="field-error">{{.}}</span>{{/errors.retry_initial_delay}}</label>
            <label>Longest retry delay (s) <input name="retry_max_delay" value="{{values.retry_max_delay}}" inputmode="numeric">{{#errors.retry_max_delay}}<span class="field-error">{{.}}</span>{{/errors.retry_max_delay}}</label>
            <label>TLS CA bundle (path) <input name="tls_ca_file" value="{{values.tls_ca_file}}">{{#errors.tls_ca_file}}<span class="field-error">{{.}}</span>{{/errors.tls_ca_file}}</label>
            <label>TLS client certificate (path) <input name="tls_certificate_file" value="{{values.tls_certificate_file}}">{{#errors.tls_certificate_file}}<span class="field-error">{{.}}</span>{{/errors.tls_certificate_file}}</label>
            <label>TLS client key (path) <input name="tls_key_file" value="{{values.tls_key_file}}">{{#errors.tls_key_file}}<span class="field-error">{{.}}</span>{{/errors.tls_key_file}}</label>
            <label>Description <input name="description" value="{{values.description}}" maxlength="1000">{{#errors.description}}<span class="field-error">{{.}}</span>{{/errors.description}}</label>
            <label class="inline"><input type="checkbox" name="tls_enabled"{{#checks.tls_enabled}} checked{{/checks.tls_enabled}}> Use DICOM TLS</label>
            <label class="inline"><input type="checkbox" name="tls_verify_hostname"{{#checks.tls_verify_hostname}} checked{{/checks.tls_verify_hostname}}> TLS: check that the certificate names the host</label>
            <label class="inline"><input type="checkbox" name="enabled"{{#checks.enabled}} checked{{/checks.enabled}}> Enabled (routes may send to it)</label>
          </fieldset>
          {{#editable}}<div class="actions"><button>{{#isNew}}Add destination{{/isNew}}{{^isNew}}Save changes{{/isNew}}</button><a class="button secondary" href="/ui/destinations">Cancel</a></div>{{/editable}}
        </form>
        {{/content}}{{/layout}}
        """
}
