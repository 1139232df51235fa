extension ConsoleTemplates {
    static let login = """
        {{<layout}}{{$content}}
        <section class="login card">
          <h1>dicom-gw</h1>
          <p class="muted">Log in to the gateway console.</p>
          <form method="post" action="/ui/login">
            <input type="hidden" name="csrf" value="{{csrf}}">
            {{#next}}<input type="hidden" name="next" value="{{.}}">{{/next}}
            <label>Username <input name="username" autocomplete="username" required value="{{username}}" autofocus></label>
            <label>Password <input name="password" type="password" autocomplete="current-password" required></label>
            <button>Log in</button>
          </form>
        </section>
        {{/content}}{{/layout}}
        """

    static let error = """
        {{<layout}}{{$content}}
        <section class="card">
          <h1>{{#status}}{{.}} · {{/status}}Cannot do that</h1>
          <p class="banner error">{{message}}</p>
          <p><a href="/ui/">Back to the dashboard</a></p>
        </section>
        {{/content}}{{/layout}}
        """
}
