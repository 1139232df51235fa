import Hummingbird

/// `/api/v1/users…`: account management, admin only.
struct UsersResource: AdminResource {
    let services: AdminServices

    struct CreateUser: Decodable {
        let username: String
        let role: Role
        /// Omitted: a password is generated and returned once.
        let password: String?
    }

    struct CreatedUser: ResponseEncodable {
        let user: UserRecord
        let generatedPassword: String?

        enum CodingKeys: String, CodingKey {
            case user
            case generatedPassword = "generated_password"
        }
    }

    struct UpdateUser: Decodable {
        let role: Role?
        let disabled: Bool?
    }

    struct SetPassword: Decodable {
        let password: String
    }

    func register(on routes: AdminRouteBuilder) {
        let services = self.services

        routes.add(.get, "/api/v1/users", access: .role(.admin)) { request, _ in
            try QueryReader(request).finish()
            return ListResponse(try await services.users.list())
        }

        routes.add(.post, "/api/v1/users", access: .role(.admin)) { request, context in
            let body = try await request.decode(as: CreateUser.self, context: context)
            let generated = body.password == nil ? SecretGenerator.password() : nil
            let user = try await services.users.create(
                username: body.username, password: body.password ?? generated ?? "", role: body.role,
                by: try context.auditActor())
            return EditedResponse(status: .created, response: CreatedUser(user: user, generatedPassword: generated))
        }

        routes.add(.get, "/api/v1/users/{id}", access: .role(.admin)) { _, context in
            guard let user = try await services.users.find(id: try context.parameters.requireID("id")) else {
                throw APIError.notFound("user")
            }
            return user
        }

        routes.add(.patch, "/api/v1/users/{id}", access: .role(.admin)) { request, context in
            let id = try context.parameters.requireID("id")
            let body = try await request.decode(as: UpdateUser.self, context: context)
            guard body.role != nil || body.disabled != nil else {
                throw APIError.invalid("body", "give role and/or disabled")
            }
            guard var user = try await services.users.find(id: id) else { throw APIError.notFound("user") }
            let actor = try context.auditActor()
            if let role = body.role, role != user.role {
                user = try await services.users.setRole(userID: id, role: role, by: actor)
            }
            if let disabled = body.disabled, disabled != user.disabled {
                user = try await services.users.setDisabled(userID: id, disabled: disabled, by: actor)
            }
            return user
        }

        routes.add(.put, "/api/v1/users/{id}/password", access: .role(.admin)) { request, context in
            let id = try context.parameters.requireID("id")
            let body = try await request.decode(as: SetPassword.self, context: context)
            return try await services.users.setPassword(userID: id, password: body.password, by: try context.auditActor())
        }
    }
}
