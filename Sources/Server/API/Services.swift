import Application
import Domain
import Foundation

/// The use cases, built once from the ports, shared by the REST routes and the WebSocket handlers.
final class Services: Sendable {
    let deps: Dependencies
    let presenter: Presenter
    /// The WebSocket events' wire form.
    let events: ServerEventEncoder
    /// Who may open another live connection.
    let admission: ConnectionAdmission
    let log: Logger
    let metrics: Metrics

    let login: Login
    let authenticate: Authenticate
    let logout: Logout
    let createRoom: CreateRoom
    let listRooms: ListRooms
    let getRoom: GetRoom
    let updateRoom: UpdateRoom
    let listMembers: ListMembers
    let addMember: AddMember
    let changeMemberRole: ChangeMemberRole
    let removeMember: RemoveMember
    let sendMessage: SendMessage
    let editMessage: EditMessage
    let deleteMessage: DeleteMessage
    let react: ReactToMessage
    let readHistory: ReadHistory
    let getMessage: GetMessage
    let editHistory: GetEditHistory
    let catchUp: CatchUp
    let search: SearchMessages
    let readings: FilterReadings
    let connect: ConnectToRoom
    let disconnect: DisconnectFromRoom
    let setTyping: SetTyping
    let expireTyping: ExpireTyping
    let expirePresence: ExpirePresence
    let presence: ListPresence
    let listNotifications: ListNotifications
    let markRead: MarkNotificationsRead
    let listFiles: ListFiles
    let getFile: GetFile
    let deleteFile: DeleteFile
    let uploadFile: UploadFile
    let report: GenerateReport
    let readReceipts: ReadReceiptPublisher
    let markRoomRead: MarkRoomRead
    let listReadReceipts: ListReadReceipts
    let pinMessage: PinMessage
    let listPins: ListPins
    let listMentions: ListMentions
    let searchAllRooms: SearchAllRooms
    let searchPeople: SearchPeople
    let postAnnouncement: PostAnnouncement
    let listAnnouncements: ListAnnouncements
    /// What `GET /api/config` reports.
    let reportTimeZone: TimeZone
    let messageRate: Double

    init(
        deps: Dependencies, reportTimeZone: TimeZone, admission: ConnectionAdmission.Limits, log: Logger,
        metrics: Metrics
    ) {
        self.deps = deps
        self.presenter = Presenter(objects: deps.objects, clock: deps.clock)
        self.events = ServerEventEncoder(presenter: self.presenter)
        self.admission = ConnectionAdmission(limits: admission)
        self.log = log
        self.metrics = metrics
        self.login = Login(deps, throttle: LoginThrottle())
        self.authenticate = Authenticate(deps)
        self.logout = Logout(deps)
        self.createRoom = CreateRoom(deps)
        self.listRooms = ListRooms(deps)
        self.getRoom = GetRoom(deps)
        self.updateRoom = UpdateRoom(deps)
        self.listMembers = ListMembers(deps)
        self.addMember = AddMember(deps)
        self.changeMemberRole = ChangeMemberRole(deps)
        self.removeMember = RemoveMember(deps)
        self.sendMessage = SendMessage(deps)
        self.editMessage = EditMessage(deps)
        self.deleteMessage = DeleteMessage(deps)
        self.react = ReactToMessage(deps)
        self.readHistory = ReadHistory(deps)
        self.getMessage = GetMessage(deps)
        self.editHistory = GetEditHistory(deps)
        self.catchUp = CatchUp(deps)
        self.search = SearchMessages(deps)
        self.readings = FilterReadings(deps)
        self.connect = ConnectToRoom(deps)
        self.disconnect = DisconnectFromRoom(deps)
        self.setTyping = SetTyping(deps)
        self.expireTyping = ExpireTyping(deps)
        self.expirePresence = ExpirePresence(deps)
        self.presence = ListPresence(deps)
        self.listNotifications = ListNotifications(deps)
        self.markRead = MarkNotificationsRead(deps)
        self.listFiles = ListFiles(deps)
        self.getFile = GetFile(deps)
        self.deleteFile = DeleteFile(deps)
        self.uploadFile = UploadFile(deps)
        self.report = GenerateReport(deps, timeZone: reportTimeZone) { file in
            "/api/rooms/\(file.roomID)/files/\(file.id)"
        }
        self.readReceipts = ReadReceiptPublisher(deps)
        self.markRoomRead = MarkRoomRead(deps, receipts: self.readReceipts)
        self.listReadReceipts = ListReadReceipts(deps)
        self.pinMessage = PinMessage(deps)
        self.listPins = ListPins(deps)
        self.listMentions = ListMentions(deps)
        self.searchAllRooms = SearchAllRooms(deps)
        self.searchPeople = SearchPeople(deps)
        self.postAnnouncement = PostAnnouncement(deps)
        self.listAnnouncements = ListAnnouncements(deps)
        self.reportTimeZone = reportTimeZone
        self.messageRate = deps.limits.messagesPerSecond
    }
}
