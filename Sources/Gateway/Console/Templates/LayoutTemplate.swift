extension ConsoleTemplates {
    static let layout = """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{{chrome.title}} · dicom-gw</title>
        <link rel="stylesheet" href="/ui/static/console.css">
        </head>
        <body>
        {{#chrome.username}}
        <header class="top">
          <a class="brand" href="/ui/">dicom-gw</a>
          <nav>{{#chrome.nav}}<a href="{{href}}"{{#current}} class="current" aria-current="page"{{/current}}>{{label}}</a>{{/chrome.nav}}</nav>
          <form class="logout" method="post" action="/ui/logout">
            <input type="hidden" name="csrf" value="{{chrome.csrf}}">
            <span class="who">{{chrome.username}} <span class="role">{{chrome.role}}</span></span>
            <button class="secondary small">Log out</button>
          </form>
        </header>
        {{/chrome.username}}
        <main>
        {{#chrome.notice}}<p class="banner notice" role="status">{{.}}</p>{{/chrome.notice}}
        {{#chrome.error}}<p class="banner error" role="alert">{{.}}</p>{{/chrome.error}}
        {{$content}}{{/content}}
        </main>
        </body>
        </html>
        """
}
