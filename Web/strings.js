// Every string of the page, one table per language (issue 13); the page picks one from the browser.
export const strings = {
    en: {
        app_title: 'Incident rooms', language: 'Language', sign_in: 'Sign in', sign_out: 'Sign out',
        username: 'User name', password: 'Password', rooms: 'Rooms', back: 'Back', message: 'Message', send: 'Send',
        connected: 'Connected', reconnecting: 'Reconnecting in {s} s', offline: 'Offline', connecting: 'Connecting',
        edited: '(edited)', deleted: 'Message deleted', pending: 'pending', no_rooms: 'No rooms',
        signin_failed: 'Sign-in failed: {m}',
    },
    'zh-TW': {
        app_title: '事件聊天室', language: '語言', sign_in: '登入', sign_out: '登出',
        username: '帳號', password: '密碼', rooms: '聊天室', back: '返回', message: '訊息', send: '送出',
        connected: '已連線', reconnecting: '{s} 秒後重新連線', offline: '離線', connecting: '連線中',
        edited: '(已編輯)', deleted: '訊息已刪除', pending: '傳送中', no_rooms: '沒有聊天室',
        signin_failed: '登入失敗：{m}',
    },
};
