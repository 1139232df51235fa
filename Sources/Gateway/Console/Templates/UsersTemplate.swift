extension ConsoleTemplates {
    static let users = """
        {{<layout}}{{$content}}
        <h1>Users</h1>
        {{#generatedPassword}}<p class="banner warning">Password for <strong>{{generatedFor}}</strong>: <span class="mono">{{.}}</span> — shown once; give it to the user now.</p>{{/generatedPassword}}
        <section class="card table-card">
          <table>
            <thead><tr><th>User</th><th>Status</th><th>Role</th><th>Last login</th><th>Password</th><th></th></tr></thead>
            <tbody>
            {{#rows}}
            <tr>
              <td><strong>{{username}}</strong>{{#isSelf}} <span class="muted small">(you)</span>{{/isSelf}}</td>
              <td><span class="badge {{status.cls}}">{{status.label}}</span></td>
              <td>{{^isSelf}}<form method="post" action="/ui/users/{{id}}" class="row-actions">
                <input type="hidden" name="csrf" value="{{chrome.csrf}}"><input type="hidden" name="op" value="role">
                <select name="role" aria-label="Role of {{username}}">{{#roles}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/roles}}</select>
                <button class="secondary small">Set role</button></form>{{/isSelf}}
                {{#isSelf}}{{#roles}}{{#selected}}{{label}}{{/selected}}{{/roles}}{{/isSelf}}</td>
              <td class="small">{{lastLogin}}{{^lastLogin}}<span class="muted">never</span>{{/lastLogin}}</td>
              <td><form method="post" action="/ui/users/{{id}}/password" class="row-actions">
                <input type="hidden" name="csrf" value="{{chrome.csrf}}">
                <input type="password" name="password" autocomplete="new-password" placeholder="new password" aria-label="New password for {{username}}">
                <button class="secondary small">Set</button></form></td>
              <td>{{^isSelf}}<form method="post" action="/ui/users/{{id}}"><input type="hidden" name="csrf" value="{{chrome.csrf}}">
                {{#disabled}}<button class="small" name="op" value="enable">Enable</button>{{/disabled}}
                {{^disabled}}<button class="danger small" name="op" value="disable">Disable</button>{{/disabled}}</form>{{/isSelf}}</td>
            </tr>
            {{/rows}}
            </tbody>
          </table>
        </section>
        <section class="card">
          <h2>Add a user</h2>
          <form method="post" action="/ui/users" class="filters">
            <input type="hidden" name="csrf" value="{{chrome.csrf}}">
            <label>Username <input name="username" value="{{newUsername}}" required maxlength="64"{{#errors.username}} class="invalid"{{/errors.username}}>{{#errors.username}}<span class="field-error">{{.}}</span>{{/errors.username}}</label>
            <label>Role <select name="role">{{#roles}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/roles}}</select>{{#errors.role}}<span class="field-error">{{.}}</span>{{/errors.role}}</label>
            <label>Password <input type="password" name="password" autocomplete="new-password" placeholder="leave empty to generate one">{{#errors.password}}<span class="field-error">{{.}}</span>{{/errors.password}}</label>
            <button>Add user</button>
          </form>
          <p class="small muted">Viewers read; operators also retry and cancel jobs and manage destinations; admins also manage users, routes and TLS.</p>
        </section>
        {{/content}}{{/layout}}
        """
}
